// Against a real Postgres: placement, claims, leases and conditional reports.
import { useTestDatabase } from "@headroom/db/testing";
import { AppError } from "@headroom/protocol";
import { beforeEach, describe, expect, it } from "vitest";
import { claimNextJob } from "./claim.ts";
import { cancelJob } from "./jobs.ts";
import { heartbeat } from "./heartbeat.ts";
import { completeJob, failJob, refuseJob, startJob } from "./lifecycle.ts";
import { setNodeDrained } from "./nodes.ts";
import { makeJob, makeNode } from "../test-factories.ts";
import { createPrismaClient } from "@headroom/db";
import { PeakModelCache } from "../history.ts";
import { schedulerTick } from "../tick.ts";

const t = useTestDatabase();
beforeEach(async () => {
  await t.db.job.deleteMany();
  await t.db.node.deleteMany();
});

const tick = (now?: Date) => schedulerTick(t.db, { nodeOfflineMs: 15_000, now });
const result = { pages: [], text: "hello", model: "pp-ocrv4", provider: "cpu", timingsMs: {} };
const memory = { beforeMiB: 1, afterMiB: 1, peakMiB: 2 };
const reading = { usedMiB: 1_000, totalMiB: 80_000, freeMiB: 79_000, processMiB: 900, utilPct: 0, source: "nvml" as const };
/** The jobs a heartbeat naming `activeJobs` reports revoked: renewal rides the heartbeat's statement. */
const renew = async (nodeId: string, activeJobs: { jobId: string; attempt: number }[], leaseMs: number) =>
  (await heartbeat(t.db, nodeId, { memory: reading, activeJobs, appliedSettingsVersion: null }, leaseMs)).revokedJobs;

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return "ok";
  } catch (err) {
    if (err instanceof AppError) return err.code;
    throw err;
  }
}

describe("scheduler tick", () => {
  it("a budget saved a moment ago binds placement before the node reports budgeted readings", async () => {
    // The node's last heartbeat still shows the whole 80,000 MiB card, 1,900 MiB of it used.
    const node = await makeNode(t.db, { usedMiB: 1_900, freeMiB: 78_100 });
    await t.db.fleetSettings.upsert({ where: { id: 1 }, create: { id: 1, memoryBudgetMiB: 2_048 }, update: { memoryBudgetMiB: 2_048 } });
    try {
      const job = await makeJob(t.db);
      expect(await tick()).toMatchObject({ placed: 0, unschedulable: 1 });
      expect(await t.db.job.findUniqueOrThrow({ where: { id: job.id } })).toMatchObject({ status: "QUEUED", nodeId: null });
      await t.db.node.update({ where: { id: node.id }, data: { usedMiB: 300, freeMiB: 1_748, totalMiB: 2_048 } });
      expect(await tick()).toMatchObject({ placed: 1 });
    } finally {
      await t.db.fleetSettings.deleteMany();
    }
  });

  it("places a job on the node with the most headroom and records why", async () => {
    const busy = await makeNode(t.db, { usedMiB: 60_000 });
    const idle = await makeNode(t.db, { usedMiB: 2_000 });
    const job = await makeJob(t.db);
    expect(await tick()).toMatchObject({ locked: true, placed: 1 });
    const placed = await t.db.job.findUniqueOrThrow({ where: { id: job.id }, include: { events: true } });
    expect(placed).toMatchObject({ status: "PLACED", nodeId: idle.id });
    expect(placed.placement).toMatchObject({ chosen: { nodeId: idle.id, usedMiB: 2_000 } });
    expect(JSON.stringify(placed.placement)).toContain(busy.id);
    // The record is stored once, on the job; the event keeps the peak only.
    const event = placed.events.find((e) => e.type === "placed");
    expect(event).toMatchObject({ nodeId: idle.id, data: { predictedPeakMiB: placed.predictedPeakMiB } });
  });

  it("keeps a job queued with a visible reason when no node has room", async () => {
    await makeNode(t.db, { totalMiB: 2_000, usedMiB: 1_700 });
    const job = await makeJob(t.db);
    expect(await tick()).toMatchObject({ placed: 0, unschedulable: 1 });
    expect(await t.db.job.findUniqueOrThrow({ where: { id: job.id } })).toMatchObject({ status: "QUEUED", unschedulableReason: expect.stringMatching(/headroom/) });
  });

  it("marks silent nodes offline and takes back their unclaimed jobs", async () => {
    const node = await makeNode(t.db, { lastHeartbeatAt: new Date(Date.now() - 60_000) });
    const job = await makeJob(t.db, { status: "PLACED", nodeId: node.id });
    expect(await tick()).toMatchObject({ offline: 1 });
    expect((await t.db.node.findUniqueOrThrow({ where: { id: node.id } })).status).toBe("OFFLINE");
    expect(await t.db.job.findUniqueOrThrow({ where: { id: job.id } })).toMatchObject({ status: "QUEUED", nodeId: null, attempt: 0 });
  });
});

describe("placement across replicas and history", () => {
  it("concurrent ticks from two database clients never place a job twice", async () => {
    await Promise.all(Array.from({ length: 3 }, () => makeNode(t.db, { maxConcurrent: 1_000 })));
    await t.db.job.createMany({ data: Array.from({ length: 200 }, (_, i) => ({ fileName: `${i}.png`, mimeType: "image/png", sizeBytes: 1, sha256: "0", storageKey: `r${i}` })) });
    const other = createPrismaClient(t.url, { poolMax: 4 });
    try {
      for (let round = 0; round < 10 && (await t.db.job.count({ where: { status: "QUEUED" } })) > 0; round++) {
        await Promise.all([t.db, other, t.db, other].map((c) => schedulerTick(c, { nodeOfflineMs: 15_000, batchSize: 50 })));
      }
    } finally {
      await other.$disconnect();
    }
    expect(await t.db.job.count({ where: { status: "PLACED" } })).toBe(200);
    const placedEvents = await t.db.jobEvent.groupBy({ by: ["jobId"], where: { type: "placed" }, _count: { _all: true } });
    expect(placedEvents).toHaveLength(200);
    expect(placedEvents.every((g) => g._count._all === 1)).toBe(true);
  });

  it("predicts from the history of the node's model and provider once there is enough of it", async () => {
    const node = await makeNode(t.db, { provider: "webgpu", model: "pp-ocrv4" });
    await t.db.job.createMany({
      data: Array.from({ length: 30 }, (_, i) => ({
        fileName: `h${i}.png`, mimeType: "image/png", sizeBytes: 1, sha256: "0", storageKey: `h${i}`, status: "SUCCEEDED" as const, nodeId: node.id,
        widthPx: 1_000 * (1 + (i % 4)), heightPx: 1_000, memBeforeMiB: 1_000, observedPeakMiB: 1_000 + 100 + 10 * (1 + (i % 4)), finishedAt: new Date(),
      })),
    });
    const job = await makeJob(t.db, { widthPx: 2_000, heightPx: 1_000 });
    await schedulerTick(t.db, { nodeOfflineMs: 15_000, peakModels: new PeakModelCache() });
    const placed = await t.db.job.findUniqueOrThrow({ where: { id: job.id } });
    // delta = 100 + 10 MiB/MP exactly, so the fit has no residual: 100 + 10 × 2 MP = 120 MiB
    expect(placed.predictedPeakMiB).toBe(120);
    expect(placed.placement).toMatchObject({ prediction: { source: "history", n: 30 } });
  });
});

describe("claim and reports", () => {
  it("16 concurrent claimers complete 1,000 jobs exactly once", async () => {
    const nodes = await Promise.all(Array.from({ length: 4 }, () => makeNode(t.db)));
    await t.db.job.createMany({
      data: Array.from({ length: 1_000 }, (_, i) => ({ fileName: `${i}.png`, mimeType: "image/png", sizeBytes: 1, sha256: "0", storageKey: `k${i}`, status: "PLACED" as const, nodeId: nodes[i % 4]!.id })),
    });
    const completedBy: string[] = [];
    await Promise.all(
      Array.from({ length: 16 }, async (_, w) => {
        const nodeId = nodes[w % 4]!.id;
        for (let job = await claimNextJob(t.db, nodeId, 30_000); job; job = await claimNextJob(t.db, nodeId, 30_000)) {
          await completeJob(t.db, { jobId: job.id, nodeId, attempt: job.attempt }, { attempt: job.attempt, result, memory, durationMs: 1 });
          completedBy.push(job.id);
        }
      }),
    );
    expect(completedBy).toHaveLength(1_000);
    expect(new Set(completedBy).size).toBe(1_000);
    expect(await t.db.job.count({ where: { status: "SUCCEEDED", attempt: 1 } })).toBe(1_000);
    // 3,000 transactions from 16 connections: seconds on a quiet machine, over a minute on a loaded one.
  }, 180_000);

  it("ignores a stale completion after the lease expired and the job moved on", async () => {
    const node = await makeNode(t.db);
    const job = await makeJob(t.db, { status: "PLACED", nodeId: node.id });
    const claimed = (await claimNextJob(t.db, node.id, 1))!;
    await new Promise((r) => setTimeout(r, 20));
    expect(await tick()).toMatchObject({ expired: 1 });
    const stale = completeJob(t.db, { jobId: job.id, nodeId: node.id, attempt: claimed.attempt }, { attempt: claimed.attempt, result, memory, durationMs: 1 });
    expect(await codeOf(stale)).toBe("LEASE_LOST");
    expect(await t.db.job.findUniqueOrThrow({ where: { id: job.id } })).toMatchObject({ status: expect.stringMatching(/QUEUED|PLACED/), attempt: 1 });
  });

  it("renewing keeps the lease; a job the node lost, another node's job and an id that is not one are reported revoked", async () => {
    const node = await makeNode(t.db);
    const other = await makeNode(t.db);
    const a = await makeJob(t.db, { status: "PLACED", nodeId: node.id });
    const claimed = (await claimNextJob(t.db, node.id, 1_000))!;
    await makeJob(t.db, { status: "PLACED", nodeId: other.id });
    const theirs = (await claimNextJob(t.db, other.id, 1_000))!;
    const gone = "00000000-0000-0000-0000-000000000000";
    expect(await renew(node.id, [{ jobId: a.id, attempt: claimed.attempt }, { jobId: gone, attempt: 1 }, { jobId: theirs.id, attempt: theirs.attempt }, { jobId: "not-a-job", attempt: 1 }], 60_000)).toEqual([gone, theirs.id, "not-a-job"]);
    expect((await t.db.job.findUniqueOrThrow({ where: { id: a.id } })).leaseExpiresAt!.getTime()).toBeGreaterThan(Date.now() + 50_000);
    // The other node's lease stays as its own claim set it.
    expect((await t.db.job.findUniqueOrThrow({ where: { id: theirs.id } })).leaseExpiresAt!.getTime()).toBeLessThan(Date.now() + 2_000);
    // A stale attempt number is not the attempt the node holds.
    expect(await renew(node.id, [{ jobId: a.id, attempt: claimed.attempt + 1 }], 60_000)).toEqual([a.id]);
  });

  it.each([
    ["INVALID_INPUT fails at once", "INVALID_INPUT", 1, 3, "FAILED"],
    ["a retryable error goes back to the queue", "GPU_OOM", 1, 3, "QUEUED"],
    ["the last attempt fails with its error", "TIMEOUT", 3, 3, "FAILED"],
  ] as const)("%s", async (_name, code, attempt, maxAttempts, status) => {
    const node = await makeNode(t.db);
    const job = await makeJob(t.db, { status: "RUNNING", nodeId: node.id, attempt, maxAttempts });
    const outcome = await failJob(t.db, { jobId: job.id, nodeId: node.id, attempt }, { code, message: "boom", memory: { beforeMiB: 1, afterMiB: 2, peakMiB: 3_210 } });
    const after = await t.db.job.findUniqueOrThrow({ where: { id: job.id } });
    expect(after).toMatchObject({ status, errorCode: code, errorMessage: "boom", observedPeakMiB: 3_210, leaseExpiresAt: null, attempt });
    if (status === "QUEUED") {
      expect(outcome).toBe("retried");
      expect(after.nodeId).toBeNull();
      expect(after.finishedAt).toBeNull();
      expect(after.runAfter.getTime()).toBeGreaterThan(Date.now());
    } else {
      expect(outcome).toBe("failed");
      expect(after.nodeId).toBe(node.id);
      expect(Math.abs(after.finishedAt!.getTime() - Date.now())).toBeLessThan(60_000);
    }
    expect(await t.db.jobEvent.findMany({ where: { jobId: job.id }, select: { type: true, nodeId: true, attempt: true, data: true } })).toEqual([
      { type: outcome, nodeId: node.id, attempt, data: { code, message: "boom" } },
    ]);
    // Sent again (its answer lost): the attempt is no longer held.
    expect(await codeOf(failJob(t.db, { jobId: job.id, nodeId: node.id, attempt }, { code, message: "boom", memory: null }))).toBe("LEASE_LOST");
    expect(await t.db.jobEvent.count({ where: { jobId: job.id } })).toBe(1);
  });

  it("a job whose runner crashed is retried on another node, even one with less headroom", async () => {
    const crashed = await makeNode(t.db, { usedMiB: 1_000 });
    const other = await makeNode(t.db, { usedMiB: 30_000 });
    const job = await makeJob(t.db, { status: "RUNNING", nodeId: crashed.id, attempt: 1 });
    await failJob(t.db, { jobId: job.id, nodeId: crashed.id, attempt: 1 }, { code: "RUNNER_CRASHED", message: "killed", memory: null }, new Date(Date.now() - 60_000));
    expect(await tick()).toMatchObject({ placed: 1 });
    expect(await t.db.job.findUniqueOrThrow({ where: { id: job.id } })).toMatchObject({ status: "PLACED", nodeId: other.id });
  });

  it("a refusal returns the job without using up an attempt", async () => {
    const node = await makeNode(t.db);
    await makeJob(t.db, { status: "PLACED", nodeId: node.id });
    const claimed = (await claimNextJob(t.db, node.id, 30_000))!;
    await refuseJob(t.db, { jobId: claimed.id, nodeId: node.id, attempt: claimed.attempt }, "usage 96% > 95%", { usedMiB: 77_000, freeMiB: 3_000 });
    expect(await t.db.job.findUniqueOrThrow({ where: { id: claimed.id } })).toMatchObject({ status: "QUEUED", attempt: 0, nodeId: null });
    const events = await t.db.nodeEvent.findMany({ where: { nodeId: node.id, type: "refusal" } });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ beforeMiB: 77_000, data: { jobId: claimed.id, attempt: claimed.attempt, reason: "usage 96% > 95%", freeMiB: 3_000 } });
    expect(await t.db.jobEvent.findMany({ where: { jobId: claimed.id, type: "refused" }, select: { nodeId: true, attempt: true, data: true } })).toEqual([
      { nodeId: node.id, attempt: claimed.attempt, data: { reason: "usage 96% > 95%", usedMiB: 77_000, freeMiB: 3_000 } },
    ]);
    // Sent again: LEASE_LOST, and neither event twice.
    expect(await codeOf(refuseJob(t.db, { jobId: claimed.id, nodeId: node.id, attempt: claimed.attempt }, "again", { usedMiB: 1, freeMiB: 1 }))).toBe("LEASE_LOST");
    expect(await t.db.nodeEvent.count({ where: { nodeId: node.id, type: "refusal" } })).toBe(1);
    expect(await t.db.jobEvent.count({ where: { jobId: claimed.id, type: "refused" } })).toBe(1);
  });

  it("cancel stops a running job: its lease is revoked and its late completion is ignored", async () => {
    const node = await makeNode(t.db);
    await makeJob(t.db, { status: "PLACED", nodeId: node.id });
    const claimed = (await claimNextJob(t.db, node.id, 30_000))!;
    expect(await cancelJob(t.db, claimed.id, "test")).toBe("canceled");
    expect(await renew(node.id, [{ jobId: claimed.id, attempt: claimed.attempt }], 30_000)).toEqual([claimed.id]);
    expect(await codeOf(completeJob(t.db, { jobId: claimed.id, nodeId: node.id, attempt: claimed.attempt }, { attempt: claimed.attempt, result, memory, durationMs: 1 }))).toBe("LEASE_LOST");
    expect(await cancelJob(t.db, claimed.id, "test")).toBe("already_finished");
    expect((await t.db.job.findUniqueOrThrow({ where: { id: claimed.id } })).status).toBe("CANCELED");
  });

  it("draining a node requeues its unclaimed jobs and keeps new ones off it", async () => {
    const drained = await makeNode(t.db, { usedMiB: 0 });
    const other = await makeNode(t.db, { usedMiB: 50_000 });
    const job = await makeJob(t.db, { status: "PLACED", nodeId: drained.id });
    expect(await setNodeDrained(t.db, drained.id, true, "test")).toEqual({ requeued: 1 });
    await tick();
    expect(await t.db.job.findUniqueOrThrow({ where: { id: job.id } })).toMatchObject({ status: "PLACED", nodeId: other.id });
    await setNodeDrained(t.db, drained.id, false, "test");
    expect(await t.db.nodeEvent.findMany({ where: { nodeId: drained.id }, select: { type: true }, orderBy: { id: "asc" } })).toEqual([{ type: "drained" }, { type: "undrained" }]);
  });

  it("a report for another node's or another attempt's job is LEASE_LOST", async () => {
    const node = await makeNode(t.db);
    const other = await makeNode(t.db);
    const job = await makeJob(t.db, { status: "RUNNING", nodeId: node.id, attempt: 2 });
    expect(await codeOf(failJob(t.db, { jobId: job.id, nodeId: other.id, attempt: 2 }, { code: "GPU_OOM", message: "", memory: null }))).toBe("LEASE_LOST");
    expect(await codeOf(failJob(t.db, { jobId: job.id, nodeId: node.id, attempt: 1 }, { code: "GPU_OOM", message: "", memory: null }))).toBe("LEASE_LOST");
    expect(await codeOf(refuseJob(t.db, { jobId: job.id, nodeId: other.id, attempt: 2 }, "full", { usedMiB: 1, freeMiB: 1 }))).toBe("LEASE_LOST");
    // The start and the completion (one statement each) hold to the same conditions.
    expect(await codeOf(startJob(t.db, { jobId: job.id, nodeId: other.id, attempt: 2 }, { usedMiB: 1 }))).toBe("LEASE_LOST");
    expect(await codeOf(completeJob(t.db, { jobId: job.id, nodeId: node.id, attempt: 1 }, { attempt: 1, result, memory, durationMs: 1 }))).toBe("LEASE_LOST");
    expect(await t.db.jobEvent.count({ where: { jobId: job.id } })).toBe(0);
    expect(await t.db.job.findUniqueOrThrow({ where: { id: job.id } })).toMatchObject({ status: "RUNNING", startedAt: null });
  });

  it("a start and a completion record what the node reported, with their events", async () => {
    const node = await makeNode(t.db);
    const job = await makeJob(t.db, { status: "RUNNING", nodeId: node.id, attempt: 1 });
    await startJob(t.db, { jobId: job.id, nodeId: node.id, attempt: 1 }, { usedMiB: 1234 });
    const withText = { ...result, text: "TOTAL 12.50" };
    await completeJob(t.db, { jobId: job.id, nodeId: node.id, attempt: 1 }, { attempt: 1, result: withText, memory, durationMs: 42 });
    const row = await t.db.job.findUniqueOrThrow({ where: { id: job.id } });
    expect(row).toMatchObject({ status: "SUCCEEDED", text: "TOTAL 12.50", result: withText, memBeforeMiB: memory.beforeMiB, memAfterMiB: memory.afterMiB, observedPeakMiB: memory.peakMiB, leaseExpiresAt: null });
    expect(row.startedAt).toBeInstanceOf(Date);
    expect(Math.abs(row.finishedAt!.getTime() - Date.now())).toBeLessThan(60_000);
    expect(row.timings).toMatchObject({ totalMs: 42 });
    const events = await t.db.jobEvent.findMany({ where: { jobId: job.id }, orderBy: { id: "asc" }, select: { type: true, nodeId: true, attempt: true, data: true } });
    expect(events).toEqual([
      { type: "started", nodeId: node.id, attempt: 1, data: { usedMiB: 1234 } },
      { type: "completed", nodeId: node.id, attempt: 1, data: { durationMs: 42, peakMiB: memory.peakMiB, lines: expect.any(Number) } },
    ]);
    // A completion sent again (its answer lost) finds the job done: LEASE_LOST, and no second event.
    expect(await codeOf(completeJob(t.db, { jobId: job.id, nodeId: node.id, attempt: 1 }, { attempt: 1, result, memory, durationMs: 42 }))).toBe("LEASE_LOST");
    expect(await t.db.jobEvent.count({ where: { jobId: job.id, type: "completed" } })).toBe(1);
  });

  it("a completion that carries its start (startedMsAgo, no POST /start) records the start when it happened, before the completion", async () => {
    const node = await makeNode(t.db);
    const job = await makeJob(t.db, { status: "RUNNING", nodeId: node.id, attempt: 1 });
    const now = new Date();
    await completeJob(t.db, { jobId: job.id, nodeId: node.id, attempt: 1 }, { attempt: 1, result, memory: { beforeMiB: 1500, afterMiB: 1500, peakMiB: 1900 }, durationMs: 400, startedMsAgo: 450 }, now);
    const row = await t.db.job.findUniqueOrThrow({ where: { id: job.id } });
    expect(row).toMatchObject({ status: "SUCCEEDED", memBeforeMiB: 1500 });
    expect(row.finishedAt!.getTime() - row.startedAt!.getTime()).toBe(450);
    const events = await t.db.jobEvent.findMany({ where: { jobId: job.id }, orderBy: { id: "asc" }, select: { type: true, attempt: true, data: true, createdAt: true } });
    expect(events.map((e) => [e.type, e.attempt, e.data])).toEqual([
      ["started", 1, { usedMiB: 1500 }],
      ["completed", 1, expect.objectContaining({ durationMs: 400 })],
    ]);
    expect(events[1]!.createdAt.getTime() - events[0]!.createdAt.getTime()).toBeGreaterThanOrEqual(449);
  });

  it("a late start is written once: a POST /start that landed though its answer was lost keeps its own event", async () => {
    const node = await makeNode(t.db);
    const job = await makeJob(t.db, { status: "RUNNING", nodeId: node.id, attempt: 1 });
    const ref = { jobId: job.id, nodeId: node.id, attempt: 1 };
    await startJob(t.db, ref, { usedMiB: 1234 });
    await completeJob(t.db, ref, { attempt: 1, result, memory, durationMs: 42, startedMsAgo: 60 });
    expect(await t.db.jobEvent.findMany({ where: { jobId: job.id }, orderBy: { id: "asc" }, select: { type: true } })).toEqual([{ type: "started" }, { type: "completed" }]);
  });

  it("a start sent again (its answer lost) keeps the first one's time, memory and event", async () => {
    const node = await makeNode(t.db);
    const job = await makeJob(t.db, { status: "RUNNING", nodeId: node.id, attempt: 1 });
    const ref = { jobId: job.id, nodeId: node.id, attempt: 1 };
    const first = new Date(Date.UTC(2026, 11, 7, 12, 0, 0));
    await startJob(t.db, ref, { usedMiB: 1234 }, 0, first);
    await startJob(t.db, ref, { usedMiB: 1300 }, 0, new Date(first.getTime() + 5_000));
    expect(await t.db.job.findUniqueOrThrow({ where: { id: job.id }, select: { startedAt: true, memBeforeMiB: true, status: true } })).toEqual({ startedAt: first, memBeforeMiB: 1234, status: "RUNNING" });
    const events = await t.db.jobEvent.findMany({ where: { jobId: job.id }, select: { type: true, data: true } });
    expect(events).toEqual([{ type: "started", data: { usedMiB: 1234 } }]);
    // The next attempt starts afresh.
    await t.db.job.update({ where: { id: job.id }, data: { attempt: 2 } });
    await startJob(t.db, { ...ref, attempt: 2 }, { usedMiB: 1400 }, 0, new Date(first.getTime() + 60_000));
    expect(await t.db.job.findUniqueOrThrow({ where: { id: job.id }, select: { memBeforeMiB: true } })).toEqual({ memBeforeMiB: 1400 });
    expect(await t.db.jobEvent.count({ where: { jobId: job.id, type: "started" } })).toBe(2);
  });

  it("a failure that carries its start records it for that attempt, retried or failed", async () => {
    const node = await makeNode(t.db);
    const job = await makeJob(t.db, { status: "RUNNING", nodeId: node.id, attempt: 1, maxAttempts: 2 });
    const old = new Date(Date.now() - 3_600_000);
    await t.db.job.update({ where: { id: job.id }, data: { startedAt: old } }); // as a row that ran before holds it
    const now = new Date();
    const report = { code: "INTERNAL" as const, message: "boom", memory: { beforeMiB: 2000, afterMiB: 2000, peakMiB: 2100 }, startedMsAgo: 300 };
    expect(await failJob(t.db, { jobId: job.id, nodeId: node.id, attempt: 1 }, report, now)).toBe("retried");
    const row = await t.db.job.findUniqueOrThrow({ where: { id: job.id } });
    expect(row.startedAt!.getTime()).toBe(now.getTime() - 300);
    expect(row.memBeforeMiB).toBe(2000);
    await t.db.job.update({ where: { id: job.id }, data: { status: "RUNNING", nodeId: node.id, attempt: 2 } });
    expect(await failJob(t.db, { jobId: job.id, nodeId: node.id, attempt: 2 }, { ...report, memory: null }, now)).toBe("failed");
    const events = await t.db.jobEvent.findMany({ where: { jobId: job.id }, orderBy: { id: "asc" }, select: { type: true, attempt: true } });
    expect(events).toEqual([
      { type: "started", attempt: 1 },
      { type: "retried", attempt: 1 },
      { type: "started", attempt: 2 },
      { type: "failed", attempt: 2 },
    ]);
    // Sent again (its answer lost): the attempt is no longer held, and nothing more is written.
    expect(await codeOf(failJob(t.db, { jobId: job.id, nodeId: node.id, attempt: 2 }, report, now))).toBe("LEASE_LOST");
    expect(await t.db.jobEvent.count({ where: { jobId: job.id } })).toBe(4);
  });

  it("a completion keeps the samples sent with it (the job's own with the job, others without), and none when its lease is lost", async () => {
    const node = await makeNode(t.db);
    const other = await makeNode(t.db);
    const job = await makeJob(t.db, { status: "RUNNING", nodeId: node.id, attempt: 1 });
    const elsewhere = await makeJob(t.db, { status: "RUNNING", nodeId: other.id, attempt: 1 });
    const sample = (at: string, jobId: string | null, usedMiB = 700) => ({ at, usedMiB, totalMiB: 2_048, processMiB: 500, utilPct: 40, jobId });
    const samples = [sample("2026-12-07T07:00:00.000Z", job.id, 710), sample("2026-12-07T07:00:00.250Z", job.id, 720), sample("2026-12-07T07:00:00.500Z", null), sample("2026-12-07T07:00:00.750Z", elsewhere.id)];
    const ref = { jobId: job.id, nodeId: node.id, attempt: 1 };
    expect(await completeJob(t.db, ref, { attempt: 1, result, memory, durationMs: 42, samples })).toEqual({ samplesStored: 4 });
    const kept = await t.db.memorySample.findMany({ where: { nodeId: node.id }, orderBy: { at: "asc" }, select: { at: true, jobId: true, usedMiB: true, processMiB: true, utilPct: true } });
    expect(kept).toEqual([
      { at: new Date("2026-12-07T07:00:00.000Z"), jobId: job.id, usedMiB: 710, processMiB: 500, utilPct: 40 },
      { at: new Date("2026-12-07T07:00:00.250Z"), jobId: job.id, usedMiB: 720, processMiB: 500, utilPct: 40 },
      { at: new Date("2026-12-07T07:00:00.500Z"), jobId: null, usedMiB: 700, processMiB: 500, utilPct: 40 },
      // Another node's job is not this node's to name.
      { at: new Date("2026-12-07T07:00:00.750Z"), jobId: null, usedMiB: 700, processMiB: 500, utilPct: 40 },
    ]);
    expect(await t.db.job.findUniqueOrThrow({ where: { id: job.id } })).toMatchObject({ status: "SUCCEEDED" });

    // Sent again (the answer lost): LEASE_LOST, and the samples are not kept twice; the agent sends them on its own.
    expect(await codeOf(completeJob(t.db, ref, { attempt: 1, result, memory, durationMs: 42, samples }))).toBe("LEASE_LOST");
    expect(await t.db.memorySample.count({ where: { nodeId: node.id } })).toBe(4);
    // Without samples, none kept.
    const next = await makeJob(t.db, { status: "RUNNING", nodeId: node.id, attempt: 1 });
    expect(await completeJob(t.db, { ...ref, jobId: next.id }, { attempt: 1, result, memory, durationMs: 1 })).toEqual({ samplesStored: 0 });
  });

  it("a completion whose samples carry a time that is not one is INVALID_INPUT, and the job stays running with no sample kept", async () => {
    const node = await makeNode(t.db);
    const job = await makeJob(t.db, { status: "RUNNING", nodeId: node.id, attempt: 1 });
    const samples = [{ at: "2026-12-07T07:00:00Z", usedMiB: 1, totalMiB: 2, processMiB: null, utilPct: null, jobId: job.id }, { at: "soon", usedMiB: 1, totalMiB: 2, processMiB: null, utilPct: null, jobId: job.id }];
    await expect(completeJob(t.db, { jobId: job.id, nodeId: node.id, attempt: 1 }, { attempt: 1, result, memory, durationMs: 1, samples })).rejects.toMatchObject({ code: "INVALID_INPUT", message: 'samples.1.at: "soon" is not a date and time' });
    expect(await t.db.job.findUniqueOrThrow({ where: { id: job.id } })).toMatchObject({ status: "RUNNING" });
    expect(await t.db.memorySample.count({ where: { nodeId: node.id } })).toBe(0);
  });

  it("a job id that is not a UUID is LEASE_LOST, not a database error", async () => {
    const node = await makeNode(t.db);
    expect(await codeOf(startJob(t.db, { jobId: "../etc", nodeId: node.id, attempt: 1 }, { usedMiB: 1 }))).toBe("LEASE_LOST");
    expect(await codeOf(completeJob(t.db, { jobId: "nope", nodeId: node.id, attempt: 1 }, { attempt: 1, result, memory, durationMs: 1 }))).toBe("LEASE_LOST");
    expect(await codeOf(failJob(t.db, { jobId: "nope", nodeId: node.id, attempt: 1 }, { code: "GPU_OOM", message: "", memory: null }))).toBe("LEASE_LOST");
    expect(await codeOf(refuseJob(t.db, { jobId: "nope", nodeId: node.id, attempt: 1 }, "full", { usedMiB: 1, freeMiB: 1 }))).toBe("LEASE_LOST");
  });
});
