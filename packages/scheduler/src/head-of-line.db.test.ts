// The head-of-line hold through the real tick on a real Postgres: a big job that has waited past
// the threshold keeps one node free of smaller jobs until it fits there.
import { useTestDatabase } from "@headroom/db/testing";
import { describe, expect, it } from "vitest";
import { schedulerTick } from "./tick.ts";
import { makeJob, makeNode } from "./test-factories.ts";

const t = useTestDatabase();
const tick = (hold?: null) => schedulerTick(t.db, { nodeOfflineMs: 3_600_000, sweep: false, ...(hold === null ? { hold } : {}) });

/** Two 10,000 MiB nodes (9,000 under the 90 % cap), both busy: a with 3,000 MiB of headroom, b with 4,000. */
async function busyFleet() {
  // The tests share one database: what an earlier test left is taken out of the way.
  await t.db.node.updateMany({ data: { drained: true } });
  await t.db.job.updateMany({ where: { status: "QUEUED" }, data: { status: "CANCELED" } });
  const a = await makeNode(t.db, { totalMiB: 10_000, usedMiB: 1_000, freeMiB: 9_000, maxConcurrent: 16 });
  const b = await makeNode(t.db, { totalMiB: 10_000, usedMiB: 1_000, freeMiB: 9_000, maxConcurrent: 16 });
  const lease = new Date(Date.now() + 3_600_000);
  const running = async (nodeId: string, peakMiB: number) => makeJob(t.db, { status: "RUNNING", nodeId, attempt: 1, predictedPeakMiB: peakMiB, leaseExpiresAt: lease });
  const onB = [await running(b.id, 2_000), await running(b.id, 2_000)];
  await running(a.id, 2_500);
  await running(a.id, 2_500);
  return { a, b, onB };
}

/** 128 + 48 MiB/MP (the prior) × 101.5 MP = 5,000 MiB: more than either node has now. */
const BIG = { widthPx: 10_150, heightPx: 10_000 };
const small = (n: number) => Promise.all(Array.from({ length: n }, () => makeJob(t.db, { widthPx: 1_000, heightPx: 1_000 })));

describe("head-of-line hold", () => {
  it("keeps the node closest to fitting free of smaller jobs, then places the big job there", async () => {
    const { a, b, onB } = await busyFleet();
    const big = await makeJob(t.db, { ...BIG, createdAt: new Date(Date.now() - 120_000) });
    const smalls = await small(10);
    expect(await tick()).toMatchObject({ placed: 10, unschedulable: 1 });
    const rows = await t.db.job.findMany({ where: { id: { in: smalls.map((j) => j.id) } } });
    expect(rows.every((j) => j.status === "PLACED" && j.nodeId === a.id)).toBe(true);
    const waiting = await t.db.job.findUniqueOrThrow({ where: { id: big.id } });
    expect(waiting).toMatchObject({ status: "QUEUED", headroomNeededMiB: 5_000 });
    expect(waiting.unschedulableReason).toMatch(/node held for it: nothing else is placed there until 1000 MiB more is free/);

    // b's jobs finish: its headroom comes back and the big job goes there.
    await t.db.job.updateMany({ where: { id: { in: onB.map((j) => j.id) } }, data: { status: "SUCCEEDED", leaseExpiresAt: null } });
    await small(5);
    expect(await tick()).toMatchObject({ placed: 6 });
    expect(await t.db.job.findUniqueOrThrow({ where: { id: big.id } })).toMatchObject({ status: "PLACED", nodeId: b.id });
  });

  it("holds nothing for a job that has not waited long, or with the hold turned off", async () => {
    const { b } = await busyFleet();
    await makeJob(t.db, { ...BIG, createdAt: new Date(Date.now() - 5_000) });
    await small(3);
    await tick();
    expect(await t.db.job.count({ where: { status: "PLACED", nodeId: b.id } })).toBe(3);

    await makeJob(t.db, { ...BIG, createdAt: new Date(Date.now() - 120_000) });
    await small(3);
    await tick(null);
    expect(await t.db.job.count({ where: { status: "PLACED", nodeId: b.id } })).toBe(6);
  });
});
