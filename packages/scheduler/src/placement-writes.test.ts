import { useTestDatabase } from "@headroom/db/testing";
import { describe, expect, it } from "vitest";
import { cancelJob } from "./store/jobs.ts";
import { setNodeDrained } from "./store/nodes.ts";
import { DECIDED_CHUNK, planPlacements } from "./plan.ts";
import { schedulerTick } from "./tick.ts";
import { MIN_SPLIT_JOBS, splitByNode, writePlacements, writePlacementsSplit, writeWaiting } from "./placement-writes.ts";
import { makeJob, makeNode } from "./test-factories.ts";

const t = useTestDatabase();

describe("a tick's bulk writes", () => {
  it("place every planned job in one statement, with one placed event each", async () => {
    const node = await makeNode(t.db, { maxConcurrent: 100 });
    const jobs = await Promise.all(Array.from({ length: 30 }, () => makeJob(t.db)));
    const now = new Date();
    const plan = await planPlacements(t.db, now, 100, new Map());
    expect(plan.placements).toHaveLength(30);
    const placed = await writePlacements(t.db, plan.placements, now);
    expect(placed).toHaveLength(30);
    const rows = await t.db.job.findMany({ where: { id: { in: jobs.map((j) => j.id) } }, include: { events: true } });
    for (const j of rows) {
      expect(j).toMatchObject({ status: "PLACED", nodeId: node.id, placedAt: now, predictedPeakMiB: expect.any(Number) });
      expect(j.placement).toMatchObject({ chosen: { nodeId: node.id } });
      expect(j.events.filter((e) => e.type === "placed")).toEqual([expect.objectContaining({ nodeId: node.id, data: { predictedPeakMiB: j.predictedPeakMiB } })]);
    }
  });

  it("skip a job canceled, or placed by someone else, after the tick read it, and a node drained meanwhile", async () => {
    const a = await makeNode(t.db, { usedMiB: 1_000 });
    const b = await makeNode(t.db, { usedMiB: 1_000 });
    const jobs = await Promise.all(Array.from({ length: 6 }, () => makeJob(t.db)));
    const now = new Date();
    const plan = await planPlacements(t.db, now, 100, new Map());
    const onA = plan.placements.filter((p) => p.nodeId === a.id);
    const onB = plan.placements.filter((p) => p.nodeId === b.id);
    expect(onA.length).toBeGreaterThanOrEqual(2);
    expect(onB.length).toBeGreaterThanOrEqual(2);
    // Between the read and the write: a user cancels one job, another tick places one, node b is drained.
    await cancelJob(t.db, onA[0]!.jobId, "test");
    await setNodeDrained(t.db, b.id, true, "test");
    await t.db.job.update({ where: { id: onA[1]!.jobId }, data: { status: "PLACED", nodeId: a.id, placement: { by: "another tick" } } });
    const placed = await writePlacements(t.db, plan.placements, now);
    expect(placed.map((p) => p.jobId).sort()).toEqual(onA.slice(2).map((p) => p.jobId).sort());
    const byId = new Map((await t.db.job.findMany({ where: { id: { in: jobs.map((j) => j.id) } } })).map((j) => [j.id, j]));
    expect(byId.get(onA[0]!.jobId)).toMatchObject({ status: "CANCELED", placement: null });
    expect(byId.get(onA[1]!.jobId)).toMatchObject({ status: "PLACED", nodeId: a.id, placement: { by: "another tick" } });
    for (const p of onB) expect(byId.get(p.jobId)).toMatchObject({ status: "QUEUED", nodeId: null });
    const events = await t.db.jobEvent.count({ where: { type: "placed", jobId: { in: jobs.map((j) => j.id) } } });
    expect(events).toBe(placed.length);
  });

  it("split across statements: every planned job placed once, one event each, and what changed in between still skipped", async () => {
    await Promise.all(Array.from({ length: 8 }, () => makeNode(t.db, { maxConcurrent: 100 })));
    const jobs = await Promise.all(Array.from({ length: 240 }, () => makeJob(t.db, { widthPx: 100, heightPx: 100 })));
    const now = new Date();
    // Earlier tests left queued jobs in this database: write this test's jobs only.
    const mine = new Set(jobs.map((j) => j.id));
    const planned = (await planPlacements(t.db, now, 1_000, new Map())).placements.filter((p) => mine.has(p.jobId));
    expect(planned).toHaveLength(240);
    expect(splitByNode(planned, 4).length).toBe(4);
    const canceled = planned[7]!.jobId;
    await cancelJob(t.db, canceled, "test");
    const placed = await writePlacementsSplit(t.db, planned, now, 4);
    const expected = planned.filter((p) => p.jobId !== canceled);
    expect(placed.map((p) => `${p.jobId}@${p.nodeId}`).sort()).toEqual(expected.map((p) => `${p.jobId}@${p.nodeId}`).sort());
    const rows = await t.db.job.findMany({ where: { id: { in: jobs.map((j) => j.id) } }, include: { events: { where: { type: "placed" } } } });
    expect(rows.filter((j) => j.status === "PLACED")).toHaveLength(239);
    for (const j of rows) expect(j.events).toHaveLength(j.id === canceled ? 0 : 1);
    // Written again (a tick that retried the same plan): nothing is placed twice.
    expect(await writePlacementsSplit(t.db, planned, now, 4)).toEqual([]);
    expect(await t.db.jobEvent.count({ where: { type: "placed", jobId: { in: [...mine] } } })).toBe(239);
  });

  it("plan the batch in queue order: priority first, then age; a job not yet due waits", async () => {
    await t.db.job.updateMany({ where: { status: "QUEUED" }, data: { status: "CANCELED" } });
    await makeNode(t.db, { maxConcurrent: 100 });
    const ago = (s: number) => new Date(Date.now() - s * 1_000);
    const old = await makeJob(t.db, { createdAt: ago(30) });
    const urgent = await makeJob(t.db, { priority: 5, createdAt: ago(1) });
    const older = await makeJob(t.db, { createdAt: ago(60) });
    await makeJob(t.db, { priority: 9, runAfter: new Date(Date.now() + 60_000) });
    const plan = await planPlacements(t.db, new Date(), 3, new Map());
    expect(plan.placements.map((p) => p.jobId)).toEqual([urgent.id, older.id, old.id]);
    expect((await planPlacements(t.db, new Date(), 2, new Map())).placements.map((p) => p.jobId)).toEqual([urgent.id, older.id]);
  });

  it("a tick writes its decisions in chunks while deciding the rest: each job placed once, no node past its limit", async () => {
    await t.db.job.updateMany({ where: { status: "QUEUED" }, data: { status: "CANCELED" } });
    await t.db.node.updateMany({ data: { drained: true } });
    const nodes = await Promise.all(Array.from({ length: 6 }, () => makeNode(t.db, { maxConcurrent: 80 })));
    const jobs = await Promise.all(Array.from({ length: 450 }, () => makeJob(t.db, { widthPx: 100, heightPx: 100 })));
    expect(450).toBeGreaterThan(2 * DECIDED_CHUNK);
    const r = await schedulerTick(t.db, { nodeOfflineMs: 3_600_000, sweep: false, batchSize: 1_000 });
    expect(r).toMatchObject({ locked: true, placed: 450, skipped: 0 });
    const rows = await t.db.job.findMany({ where: { id: { in: jobs.map((j) => j.id) } }, include: { events: { where: { type: "placed" } } } });
    expect(rows.every((j) => j.status === "PLACED" && j.events.length === 1)).toBe(true);
    const perNode = nodes.map((n) => rows.filter((j) => j.nodeId === n.id).length);
    expect(Math.max(...perNode)).toBeLessThanOrEqual(80);
    expect(perNode.reduce((a, b) => a + b, 0)).toBe(450);
  });

  it("store a changed wait reason on queued jobs only", async () => {
    const waiting = await makeJob(t.db);
    const canceled = await makeJob(t.db, { status: "CANCELED" });
    await writeWaiting(t.db, [
      { jobId: waiting.id, reason: "No node is online", headroomNeededMiB: null, predictedPeakMiB: 300 },
      { jobId: canceled.id, reason: "No node is online", headroomNeededMiB: 700, predictedPeakMiB: 300 },
    ]);
    expect(await t.db.job.findUniqueOrThrow({ where: { id: waiting.id } })).toMatchObject({ unschedulableReason: "No node is online", headroomNeededMiB: null, predictedPeakMiB: 300 });
    expect(await t.db.job.findUniqueOrThrow({ where: { id: canceled.id } })).toMatchObject({ unschedulableReason: null, headroomNeededMiB: null });
  });
});

describe("splitByNode", () => {
  const at = (nodeId: string, n: number) => Array.from({ length: n }, (_, i) => ({ nodeId, i }));
  it.each([
    { name: "too few jobs for a second statement", jobs: at("a", MIN_SPLIT_JOBS * 2 - 1), ways: 4, sizes: [MIN_SPLIT_JOBS * 2 - 1] },
    { name: "one node: one part, whatever the ways", jobs: at("a", 400), ways: 4, sizes: [400] },
    { name: "even nodes share evenly", jobs: [...at("a", 100), ...at("b", 100), ...at("c", 100), ...at("d", 100)], ways: 4, sizes: [100, 100, 100, 100] },
    { name: "a big node alone, the small ones together", jobs: [...at("a", 300), ...at("b", 100), ...at("c", 100), ...at("d", 100)], ways: 2, sizes: [300, 300] },
    { name: "no jobs, no parts", jobs: [], ways: 4, sizes: [] },
  ])("$name", ({ jobs, ways, sizes }) => {
    const parts = splitByNode(jobs, ways);
    expect(parts.map((p) => p.length).sort((x, y) => y - x)).toEqual(sizes);
    expect(parts.flat().length).toBe(jobs.length);
    for (const node of new Set(jobs.map((j) => j.nodeId))) expect(parts.filter((p) => p.some((j) => j.nodeId === node))).toHaveLength(1);
    // Within a part, a node's jobs keep their order (queue order).
    for (const p of parts) for (const node of new Set(p.map((j) => j.nodeId))) { const is = p.filter((j) => j.nodeId === node).map((j) => j.i); expect(is).toEqual([...is].sort((x, y) => x - y)); }
  });
});
