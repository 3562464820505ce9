// Against a real Postgres: the heartbeat asks an idle node to recycle its runner when a queued job
// waits for headroom that the recycle would free, and the next tick places the job once the lower
// reading arrives. The fleet run's case: a 2,048 MiB budget (usable 1,548 MiB) and a 4000x3000 scan
// whose prior peak is 704 MiB.
import { randomUUID } from "node:crypto";
import { createPrismaClient } from "@headroom/db";
import { useTestDatabase } from "@headroom/db/testing";
import type { THeartbeatRequest, TMemoryReading } from "@headroom/protocol";
import { beforeEach, describe, expect, it } from "vitest";
import { schedulerTick } from "../tick.ts";
import { heartbeat } from "./heartbeat.ts";
import { nodeSettings } from "./node-settings.ts";
import { recordRegistration, storeNodeEvents } from "./nodes.ts";
import { storeSamples } from "./samples.ts";

const t = useTestDatabase();
beforeEach(async () => {
  await t.db.job.deleteMany();
  await t.db.node.deleteMany();
});

const LEASE_MS = 30_000;
const reading = (usedMiB: number, processMiB: number): TMemoryReading => ({ usedMiB, totalMiB: 2_048, freeMiB: 2_048 - usedMiB, processMiB, utilPct: 0, source: "nvidia-smi" });
const beat = (nodeId: string, memory: TMemoryReading, activeJobs: THeartbeatRequest["activeJobs"] = []) => heartbeat(t.db, nodeId, { memory, activeJobs, appliedSettingsVersion: 1 }, LEASE_MS);
const tick = () => schedulerTick(t.db, { nodeOfflineMs: 60_000 });

/** A node that registered with a fresh runner at 300 MiB, then grew to 1,243 MiB (runner 1,100 MiB). */
async function grownNode(): Promise<string> {
  const { nodeId } = await recordRegistration(t.db, {
    name: `gpu-${randomUUID().slice(0, 6)}`,
    hostname: "host",
    kind: "GPU",
    gpuIndex: 0,
    gpuName: "H100",
    provider: "webgpu",
    providerNotes: [],
    agentVersion: "test",
    memory: reading(300, 160),
  }, randomUUID());
  await beat(nodeId, reading(1_243, 1_100));
  return nodeId;
}
const scan = () => t.db.job.create({ data: { fileName: "scan.png", mimeType: "image/png", sizeBytes: 1, sha256: "0", storageKey: randomUUID(), widthPx: 4_000, heightPx: 3_000 } });

describe("reclaim in the heartbeat answer", () => {
  it("nothing waits: no reclaim", async () => {
    const nodeId = await grownNode();
    expect((await beat(nodeId, reading(1_243, 1_100))).reclaim).toBeNull();
  });

  it("asks the idle node to recycle, then the next tick places the job on the lower reading", async () => {
    const nodeId = await grownNode();
    const job = await scan();
    expect(await tick()).toMatchObject({ placed: 0, unschedulable: 1 });
    expect(await t.db.job.findUniqueOrThrow({ where: { id: job.id } })).toMatchObject({
      status: "QUEUED",
      headroomNeededMiB: 704,
      unschedulableReason: "No node has 704 MiB of headroom for this job (best: 305 MiB)",
    });

    const res = await beat(nodeId, reading(1_243, 1_100));
    expect(res.reclaim).toEqual({ neededMiB: 704, reason: "a queued job needs 704 MiB; this node has 305 MiB of headroom and its runner has grown by 943 MiB" });

    // The agent recycles, reports the cleanup, and heartbeats the fresh reading.
    const at = new Date().toISOString();
    await storeNodeEvents(t.db, nodeId, { events: [{ type: "cleanup", at, beforeMiB: 1_243, afterMiB: 310, data: { reason: `reclaim: ${res.reclaim!.reason}` } }] });
    expect((await beat(nodeId, reading(310, 170))).reclaim).toBeNull(); // it fits now: nothing more to free
    expect(await tick()).toMatchObject({ placed: 1 });
    expect(await t.db.job.findUniqueOrThrow({ where: { id: job.id } })).toMatchObject({ status: "PLACED", nodeId, headroomNeededMiB: null, unschedulableReason: null });
  });

  it("not when a recycle would not free enough, nor again right after one that freed little", async () => {
    const nodeId = await grownNode();
    // 6000x4000: 1,280 MiB, more than the 305 + 943 MiB a recycle would leave.
    await t.db.job.create({ data: { fileName: "big.png", mimeType: "image/png", sizeBytes: 1, sha256: "0", storageKey: randomUUID(), widthPx: 6_000, heightPx: 4_000 } });
    await tick();
    expect((await beat(nodeId, reading(1_243, 1_100))).reclaim).toBeNull();
    // A 704 MiB job joins the queue: it fits after a recycle, so that one is asked for.
    await scan();
    await tick();
    expect((await t.db.job.findMany({ select: { headroomNeededMiB: true }, orderBy: { headroomNeededMiB: "asc" } })).map((j) => j.headroomNeededMiB)).toEqual([704, 1_280]);
    expect((await beat(nodeId, reading(1_243, 1_100))).reclaim?.neededMiB).toBe(704);
    // The recycle gave back little (another tenant holds the rest): the fresh baseline is 1,200 MiB.
    await storeNodeEvents(t.db, nodeId, { events: [{ type: "cleanup", at: new Date().toISOString(), beforeMiB: 1_243, afterMiB: 1_200, data: null }] });
    expect((await beat(nodeId, reading(1_200, 160))).reclaim).toBeNull();
  });

  it("with runner slots, a recycle of one slot beside grown ones is no baseline; one with all fresh is", async () => {
    const nodeId = await grownNode();
    await scan();
    await tick();
    // Slot 0 was recycled after its job while slot 1's runner stayed grown (run 13: this reading
    // taken as the baseline made the node look as if a recycle would free nothing, forever).
    await storeNodeEvents(t.db, nodeId, { events: [{ type: "cleanup", at: new Date().toISOString(), beforeMiB: 1_700, afterMiB: 1_243, data: { slot: 0, allFresh: false } }] });
    expect((await beat(nodeId, reading(1_243, 1_100))).reclaim?.neededMiB).toBe(704); // grown from the registered 300 MiB
    // The reclaim recycles both; the last event has every runner fresh, and it freed little: no second ask.
    await storeNodeEvents(t.db, nodeId, { events: [{ type: "cleanup", at: new Date().toISOString(), beforeMiB: 1_243, afterMiB: 1_200, data: { slot: 1, allFresh: true } }] });
    expect((await beat(nodeId, reading(1_200, 160))).reclaim).toBeNull();
  });

  it("not when every job that waits needs no more headroom than this node has now", async () => {
    const nodeId = await grownNode();
    // Marked as waiting for 300 MiB (say by a tick that ran before another node's job finished): this node has 305.
    await t.db.job.create({ data: { fileName: "s.png", mimeType: "image/png", sizeBytes: 1, sha256: "0", storageKey: randomUUID(), headroomNeededMiB: 300 } });
    expect((await beat(nodeId, reading(1_243, 1_100))).reclaim).toBeNull();
    // One that needs 704 MiB joins it: that one is asked for.
    await t.db.job.create({ data: { fileName: "b.png", mimeType: "image/png", sizeBytes: 1, sha256: "0", storageKey: randomUUID(), headroomNeededMiB: 704 } });
    expect((await beat(nodeId, reading(1_243, 1_100))).reclaim?.neededMiB).toBe(704);
  });

  it("not for a drained node, a busy one, or a job that waits for its retry time", async () => {
    const nodeId = await grownNode();
    const job = await scan();
    await tick();
    await t.db.node.update({ where: { id: nodeId }, data: { drained: true } });
    expect((await beat(nodeId, reading(1_243, 1_100))).reclaim).toBeNull();
    await t.db.node.update({ where: { id: nodeId }, data: { drained: false } });

    const other = await t.db.job.create({ data: { fileName: "p.png", mimeType: "image/png", sizeBytes: 1, sha256: "0", storageKey: randomUUID(), nodeId, status: "PLACED", attempt: 0 } });
    expect((await beat(nodeId, reading(1_243, 1_100))).reclaim).toBeNull();
    await t.db.job.update({ where: { id: other.id }, data: { status: "RUNNING", attempt: 1, leaseExpiresAt: new Date(Date.now() + LEASE_MS) } });
    expect((await beat(nodeId, reading(1_243, 1_100), [{ jobId: other.id, attempt: 1 }])).reclaim).toBeNull();
    await t.db.job.update({ where: { id: other.id }, data: { status: "SUCCEEDED", leaseExpiresAt: null } });
    expect((await beat(nodeId, reading(1_243, 1_100))).reclaim?.neededMiB).toBe(704);

    await t.db.job.update({ where: { id: job.id }, data: { runAfter: new Date(Date.now() + 60_000) } });
    expect((await beat(nodeId, reading(1_243, 1_100))).reclaim).toBeNull();
  });
});

describe("a heartbeat's answer", () => {
  it("carries the node's settings in force (the fleet's, under its override) and their version, and a change at the next beat", async () => {
    const nodeId = await grownNode();
    const fleetBefore = await t.db.fleetSettings.findUniqueOrThrow({ where: { id: 1 } });
    try {
      await t.db.fleetSettings.update({ where: { id: 1 }, data: { cleanupAbovePct: 75, sweepIntervalS: 120, version: fleetBefore.version + 1 } });
      await t.db.nodeSettingsOverride.create({ data: { nodeId, sweepIntervalS: 60, version: 2 } });
      const first = await beat(nodeId, reading(1_243, 1_100));
      expect(first.thresholds).toMatchObject({ cleanupAbovePct: 75, sweepIntervalS: 60 });
      expect({ thresholds: first.thresholds, settingsVersion: first.settingsVersion }).toEqual(await nodeSettings(t.db, nodeId));

      await t.db.nodeSettingsOverride.delete({ where: { nodeId } });
      const second = await beat(nodeId, reading(1_243, 1_100));
      expect(second.thresholds).toMatchObject({ cleanupAbovePct: 75, sweepIntervalS: 120 });
      expect(second.settingsVersion).not.toBe(first.settingsVersion);
      expect({ thresholds: second.thresholds, settingsVersion: second.settingsVersion }).toEqual(await nodeSettings(t.db, nodeId));
    } finally {
      await t.db.fleetSettings.update({ where: { id: 1 }, data: fleetBefore });
    }
  });
});

describe("an idle agent's sample in the heartbeat", () => {
  const samples = (nodeId: string) => t.db.memorySample.findMany({ where: { nodeId }, orderBy: { at: "asc" } });

  it("is kept at the agent's time with the reading's values, no job; without sampleAt nothing is kept", async () => {
    const nodeId = await grownNode();
    const before = (await samples(nodeId)).length;
    const res = await heartbeat(t.db, nodeId, { memory: { ...reading(1_250, 1_101), utilPct: 12.5 }, activeJobs: [], appliedSettingsVersion: 1, sampleAt: "2026-12-07T08:00:00.250+01:00" }, LEASE_MS);
    expect(res.sampleStored).toBe(true);
    const kept = (await samples(nodeId)).slice(before);
    expect(kept).toHaveLength(1);
    expect(kept[0]).toMatchObject({ jobId: null, usedMiB: 1_250, totalMiB: 2_048, processMiB: 1_101, utilPct: 12.5 });
    expect(kept[0]!.at.toISOString()).toBe("2026-12-07T07:00:00.250Z");
    // The node's row took the same reading.
    expect(await t.db.node.findUniqueOrThrow({ where: { id: nodeId } })).toMatchObject({ usedMiB: 1_250, processMiB: 1_101 });

    expect((await beat(nodeId, reading(1_251, 1_101))).sampleStored).toBe(false);
    expect(await samples(nodeId)).toHaveLength(before + 1);
  });

  it("keeps a reading whose process and utilisation are unknown", async () => {
    const nodeId = await grownNode();
    const res = await heartbeat(t.db, nodeId, { memory: { ...reading(900, 0), processMiB: null, utilPct: null }, activeJobs: [], appliedSettingsVersion: 1, sampleAt: new Date().toISOString() }, LEASE_MS);
    expect(res.sampleStored).toBe(true);
    expect((await samples(nodeId)).at(-1)).toMatchObject({ usedMiB: 900, processMiB: null, utilPct: null, jobId: null });
  });

  it("a sampleAt that is not a time is 400 INVALID_INPUT, and neither the node's row nor its samples change", async () => {
    const nodeId = await grownNode();
    const before = await t.db.node.findUniqueOrThrow({ where: { id: nodeId } });
    const kept = (await samples(nodeId)).length;
    await expect(heartbeat(t.db, nodeId, { memory: reading(1_500, 1_100), activeJobs: [], appliedSettingsVersion: 1, sampleAt: "yesterday-ish" }, LEASE_MS)).rejects.toMatchObject({
      code: "INVALID_INPUT",
      message: 'sampleAt: "yesterday-ish" is not a date and time',
    });
    expect(await t.db.node.findUniqueOrThrow({ where: { id: nodeId } })).toMatchObject({ usedMiB: before.usedMiB, lastHeartbeatAt: before.lastHeartbeatAt });
    expect(await samples(nodeId)).toHaveLength(kept);
  });

  it("a node that is gone is NOT_FOUND and no sample is kept", async () => {
    const total = await t.db.memorySample.count();
    await expect(heartbeat(t.db, randomUUID(), { memory: reading(1_000, 900), activeJobs: [], appliedSettingsVersion: 1, sampleAt: new Date().toISOString() }, LEASE_MS)).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect(await t.db.memorySample.count()).toBe(total);
  });
});

describe("the heartbeat's and the samples' commits", () => {
  it("skip the WAL flush for their own transaction only, leaving the connection's later commits durable", async () => {
    const nodeId = await grownNode();
    // One connection, so the statements after each write run where its setting was made.
    const one = createPrismaClient(t.url, { poolMax: 1 });
    try {
      const setting = async () => (await one.$queryRaw<{ s: string }[]>`SELECT current_setting('synchronous_commit') AS s`)[0]!.s;
      // The test server runs with it off; this session commits durably, as a production server does.
      await one.$executeRaw`SET synchronous_commit = on`;
      const hb = await heartbeat(one, nodeId, { memory: reading(1_000, 900), activeJobs: [], appliedSettingsVersion: 1, sampleAt: new Date().toISOString() }, LEASE_MS);
      expect(hb.sampleStored).toBe(true);
      expect(await setting()).toBe("on");
      expect(await storeSamples(one, nodeId, { samples: [{ at: new Date().toISOString(), usedMiB: 1_000, totalMiB: 2_048, processMiB: 900, utilPct: 0, jobId: null }] })).toBe(1);
      expect(await setting()).toBe("on");
    } finally {
      await one.$disconnect();
    }
  });
});
