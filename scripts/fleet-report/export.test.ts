// exportWindow against a real Postgres: seeded rows in and out of the window, and the JSON it gives.
import { useTestDatabase } from "@headroom/db/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { makeJob, makeNode } from "../../packages/scheduler/src/test-factories.ts";
import { exportWindow, sampleStride } from "./export.ts";

const T0 = Date.parse("2026-03-01T10:00:00Z");
const at = (s: number) => new Date(T0 + s * 1000);
const window = { label: "gpu2", since: at(0), until: at(600) };

const t = useTestDatabase();
beforeAll(async () => {
  const db = t.db;
  await db.fleetSettings.create({ data: { id: 1, memoryCapPct: 88 } });
  const a = await makeNode(db, { name: "gpu-a", gpuIndex: 0, gpuName: "H100", provider: "webgpu", model: "ppocr", totalMiB: 81_000 });
  const b = await makeNode(db, { name: "gpu-b", gpuIndex: 1, totalMiB: 81_000 });
  await makeNode(db, { name: "idle" });
  await db.nodeSettingsOverride.create({ data: { nodeId: b.id, cleanupAbovePct: 60 } });

  const job = await makeJob(db, {
    fileName: "r1.jpg", nodeId: a.id, status: "SUCCEEDED", attempt: 1, pages: 2, predictedPeakMiB: 900, observedPeakMiB: 950,
    timings: { decode: 12.5, detect: 80, totalMs: 120, note: "not a number" }, createdAt: at(10), placedAt: at(11), startedAt: at(12), finishedAt: at(20),
  });
  await makeJob(db, { fileName: "early.jpg", createdAt: at(-60) });
  await makeJob(db, { fileName: "waiting.jpg", createdAt: at(30), unschedulableReason: "Every node is busy; the job runs when one frees up" });
  await db.jobEvent.createMany({
    data: [
      { jobId: job.id, nodeId: a.id, attempt: 1, type: "placed", data: { predictedPeakMiB: 900, chosen: { headroomMiB: 70_000 } }, createdAt: at(11) },
      { jobId: job.id, nodeId: a.id, attempt: 1, type: "completed", createdAt: at(20) },
    ],
  });
  await db.nodeEvent.createMany({
    data: [
      { nodeId: a.id, type: "cleanup", beforeMiB: 5_000, afterMiB: 1_000, freedMiB: 4_000, data: { reason: "usage above cleanupAbovePct" }, createdAt: at(21) },
      { nodeId: b.id, type: "refusal", beforeMiB: 77_000, createdAt: at(40) },
      { nodeId: a.id, type: "sweep", createdAt: at(900) },
    ],
  });
  // 10 samples per node, one a spike, plus one after the window.
  await db.memorySample.createMany({
    data: [a, b].flatMap((n) => [
      ...Array.from({ length: 10 }, (_, i) => ({ nodeId: n.id, at: at(100 + i), usedMiB: i === 3 ? 9_000 : 1_000 + i, totalMiB: 81_000 })),
      { nodeId: n.id, at: at(700), usedMiB: 1, totalMiB: 81_000 },
    ]),
  });
  await db.settingsAudit.create({ data: { scope: "fleet", actorLabel: "admin", changes: [{ field: "memoryCapPct", from: 90, to: 88 }], createdAt: at(5) } });
});

describe("exportWindow", () => {
  it("exports the window's jobs, events, samples and thresholds as plain JSON", async () => {
    const d = await exportWindow(t.db, window);
    expect(JSON.parse(JSON.stringify(d))).toEqual(d);

    expect(d.nodes.map((n) => n.name)).toEqual(["gpu-a", "gpu-b"]);
    expect(d.nodes[0]).toMatchObject({ kind: "GPU", gpuIndex: 0, gpuName: "H100", provider: "webgpu", model: "ppocr", totalMiB: 81_000 });
    expect(d.nodes[0]!.thresholds).toMatchObject({ memoryCapPct: 88, cleanupAbovePct: 80 });
    expect(d.nodes[1]!.thresholds).toMatchObject({ memoryCapPct: 88, cleanupAbovePct: 60 });
    expect(d.thresholds.overrides).toEqual({ "gpu-b": { cleanupAbovePct: 60 } });
    expect(d.thresholds.changes).toEqual([{ scope: "fleet", actorLabel: "admin", changes: [{ field: "memoryCapPct", from: 90, to: 88 }], createdAt: at(5).toISOString() }]);

    expect(d.jobs.map((j) => j.fileName)).toEqual(["r1.jpg", "waiting.jpg"]);
    expect(d.jobs[0]).toMatchObject({
      status: "SUCCEEDED", nodeName: "gpu-a", attempt: 1, pages: 2, predictedPeakMiB: 900, observedPeakMiB: 950,
      timings: { decode: 12.5, detect: 80, totalMs: 120 }, createdAt: at(10).toISOString(), finishedAt: at(20).toISOString(),
    });
    expect(d.jobs[1]).toMatchObject({ nodeName: null, unschedulableReason: "Every node is busy; the job runs when one frees up", placedAt: null });

    expect(d.jobEvents.map((e) => [e.type, e.nodeName])).toEqual([["placed", "gpu-a"], ["completed", "gpu-a"]]);
    expect(d.jobEvents[0]!.data).toMatchObject({ chosen: { headroomMiB: 70_000 } });
    expect(d.nodeEvents.map((e) => [e.type, e.nodeName, e.freedMiB])).toEqual([["cleanup", "gpu-a", 4_000], ["refusal", "gpu-b", null]]);

    expect(d.samplesInWindow).toBe(20);
    expect(d.samplesStride).toBe(1);
    expect(d.samples).toHaveLength(20);
    expect(d.samples[0]).toEqual({ nodeName: "gpu-a", at: at(100).toISOString(), usedMiB: 1_000, totalMiB: 81_000, processMiB: null });
  });

  it("downsamples beyond the limit, keeping each bucket's peak", async () => {
    const d = await exportWindow(t.db, window, { maxSamples: 8 });
    expect(d.samplesStride).toBe(3);
    const a = d.samples.filter((s) => s.nodeName === "gpu-a");
    expect(a.map((s) => s.usedMiB)).toEqual([1_002, 9_000, 1_008, 1_009]);
    expect(a[1]!.at).toBe(at(103).toISOString());
  });

  it("keeps to the named nodes", async () => {
    const d = await exportWindow(t.db, { ...window, nodeNames: ["gpu-b"] });
    expect(d.nodes.map((n) => n.name)).toEqual(["gpu-b"]);
    expect(d.jobs.map((j) => j.fileName)).toEqual(["waiting.jpg"]);
    expect(d.nodeEvents.map((e) => e.type)).toEqual(["refusal"]);
    expect(d.samples.every((s) => s.nodeName === "gpu-b")).toBe(true);
  });
});

describe("sampleStride", () => {
  it.each([
    [0, 50_000, 1],
    [50_000, 50_000, 1],
    [50_001, 50_000, 2],
    [200_000, 50_000, 4],
  ])("%i samples, at most %i → %i", (count, max, want) => expect(sampleStride(count, max)).toBe(want));
});
