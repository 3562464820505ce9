import { useTestDatabase } from "@headroom/db/testing";
import { describe, expect, it } from "vitest";
import { cancelJob, setNodeDrained } from "./store/lifecycle.ts";
import { planPlacements } from "./plan.ts";
import { writePlacements, writeWaiting } from "./placement-writes.ts";
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
