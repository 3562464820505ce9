// The UI's list queries against a real Postgres.
import { randomUUID } from "node:crypto";
import type { Prisma, PrismaClient } from "@headroom/db";
import { useTestDatabase } from "@headroom/db/testing";
import { DEFAULT_THRESHOLDS } from "@headroom/protocol";
import { settingsVersion } from "@headroom/policy";
import { describe, expect, it } from "vitest";
import { listJobs } from "./list-jobs";
import { listNodes } from "../nodes/list-nodes";

const t = useTestDatabase();

function makeNode(db: PrismaClient, over: Partial<Prisma.NodeUncheckedCreateInput> = {}) {
  return db.node.create({
    data: {
      name: `node-${randomUUID().slice(0, 8)}`, hostname: "test-host", kind: "GPU", tokenHash: randomUUID(), status: "ONLINE",
      totalMiB: 80_000, usedMiB: 1_000, freeMiB: 79_000, maxConcurrent: 4, lastHeartbeatAt: new Date(), ...over,
    },
  });
}

function makeJob(db: PrismaClient, over: Partial<Prisma.JobUncheckedCreateInput> = {}) {
  return db.job.create({
    data: { fileName: "page.png", mimeType: "image/png", sizeBytes: 1_000, sha256: "0".repeat(64), storageKey: randomUUID(), ...over },
  });
}

describe("listJobs", () => {
  it("pages newest first without overlap, filters by status, and derives durations", async () => {
    const node = await makeNode(t.db, { name: "gpu-a" });
    const t0 = Date.parse("2030-01-01T00:00:00Z");
    for (let i = 0; i < 30; i++) {
      await makeJob(t.db, { fileName: `f${i}.png`, createdAt: new Date(t0 + i * 1000), status: i % 3 === 0 ? "FAILED" : "QUEUED" });
    }
    const done = await makeJob(t.db, {
      fileName: "done.png", status: "SUCCEEDED", nodeId: node.id, createdAt: new Date(t0 + 60_000),
      startedAt: new Date(t0 + 61_000), finishedAt: new Date(t0 + 63_500), observedPeakMiB: 1234,
    });

    const p1 = await listJobs(t.db, { page: 1, pageSize: 25 });
    const p2 = await listJobs(t.db, { page: 2, pageSize: 25 });
    expect(p1).toMatchObject({ total: 31, page: 1, pageSize: 25, pageCount: 2 });
    expect(p1.items).toHaveLength(25);
    expect(p2.items).toHaveLength(6);
    const ids = [...p1.items, ...p2.items].map((j) => j.id);
    expect(new Set(ids).size).toBe(31);
    expect(p1.items[0]).toMatchObject({ id: done.id, node: { id: node.id, name: "gpu-a" }, durationMs: 2500, observedPeakMiB: 1234, status: "SUCCEEDED" });
    expect(p1.items[1]!.fileName).toBe("f29.png");
    expect(p2.items.at(-1)!.fileName).toBe("f0.png");

    const failed = await listJobs(t.db, { page: 1, pageSize: 25, status: "FAILED" });
    expect(failed.total).toBe(10);
    expect(failed.items.every((j) => j.status === "FAILED")).toBe(true);

    expect(await listJobs(t.db, { page: 9, pageSize: 25 })).toMatchObject({ items: [], total: 31, pageCount: 2 });
  });
});

describe("listNodes", () => {
  it("reports state, memory, load and the thresholds in force", async () => {
    const now = Date.parse("2030-06-01T12:00:00Z");
    await t.db.fleetSettings.upsert({ where: { id: 1 }, create: { id: 1, version: 3, sweepIntervalS: 600 }, update: { version: 3, sweepIntervalS: 600 } });
    const online = await makeNode(t.db, {
      name: "n1-online", totalMiB: 24_576, usedMiB: 6_144, freeMiB: 18_432, processMiB: 2_000, utilPct: 37.5, provider: "webgpu",
      lastHeartbeatAt: new Date(now - 2_000), appliedSettingsVersion: settingsVersion(3, 2),
    });
    await t.db.nodeSettingsOverride.create({ data: { nodeId: online.id, version: 2, admissionMaxUsagePct: 85, admissionMinFreeMiB: 0 } });
    await makeNode(t.db, { name: "n2-drained", drained: true, lastHeartbeatAt: new Date(now - 1_000) });
    await makeNode(t.db, { name: "n3-stale", lastHeartbeatAt: new Date(now - 60_000) });
    await makeNode(t.db, { name: "n4-offline", status: "OFFLINE", totalMiB: 0, usedMiB: 0, freeMiB: 0 });
    await makeJob(t.db, { nodeId: online.id, status: "RUNNING" });
    await makeJob(t.db, { nodeId: online.id, status: "PLACED" });
    await makeJob(t.db, { nodeId: online.id, status: "SUCCEEDED" });

    const all = await listNodes(t.db, { nowMs: now, offlineAfterMs: 15_000 });
    // Only this test's nodes (the jobs test made one too).
    const out = { ...all, nodes: all.nodes.filter((n) => n.name.startsWith("n")) };
    expect(out.fleet).toEqual({ thresholds: { ...DEFAULT_THRESHOLDS, sweepIntervalS: 600 }, version: 3 });
    expect(out.nodes.map((n) => [n.name, n.state])).toEqual([
      ["n1-online", "online"],
      ["n2-drained", "drained"],
      ["n3-stale", "offline"],
      ["n4-offline", "offline"],
    ]);
    const n1 = out.nodes[0]!;
    expect(n1).toMatchObject({
      provider: "webgpu",
      memory: { totalMiB: 24_576, usedMiB: 6_144, freeMiB: 18_432, processMiB: 2_000, utilPct: 37.5, usedPct: 25 },
      jobsInFlight: 2,
      heartbeatAgeMs: 2_000,
      settingsApplied: true,
      thresholds: { ...DEFAULT_THRESHOLDS, sweepIntervalS: 600, admissionMaxUsagePct: 85, admissionMinFreeMiB: 0 },
      overridden: ["admissionMaxUsagePct", "admissionMinFreeMiB"],
    });
    expect(out.nodes[1]).toMatchObject({ jobsInFlight: 0, settingsApplied: false, overridden: [] });
    expect(out.nodes[3]!.memory.usedPct).toBeNull();
  });
});
