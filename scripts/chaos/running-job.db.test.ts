// The fault campaign's victim: a job running on one of its agents for a while, counted from the claim
// of its current attempt (the agent may report the start only later, or never).
import { useTestDatabase } from "@headroom/db/testing";
import { beforeEach, describe, expect, it } from "vitest";
import { makeJob, makeNode } from "../../packages/scheduler/src/test-factories.ts";
import { runningJob, type TFaultContext } from "./fault-support.ts";

const t = useTestDatabase();
beforeEach(async () => {
  await t.db.job.deleteMany();
  await t.db.node.deleteMany();
});

const context = (agents: string[], hit: string[] = []) => ({ stack: { prisma: t.db, agents: new Map(agents.map((a) => [a, {}])) }, hit: new Set(hit) }) as unknown as TFaultContext;
const claimed = (jobId: string, attempt: number, msAgo: number) =>
  t.db.$executeRaw`INSERT INTO "JobEvent" ("jobId", type, attempt, "createdAt") VALUES (${jobId}::uuid, 'claimed', ${attempt}, now() - ${msAgo}::int * interval '1 millisecond')`;

describe("runningJob", () => {
  it("is a running job of the campaign's agents whose current attempt was claimed at least minMs ago, not yet hit", async () => {
    const mine = await makeNode(t.db, { name: "agent-a" });
    const other = await makeNode(t.db, { name: "elsewhere" });
    const victim = await makeJob(t.db, { status: "RUNNING", nodeId: mine.id, attempt: 1 });
    await claimed(victim.id, 1, 10_000);
    // Its attempt 1 was claimed long ago, attempt 2 (the current one) only now.
    const retried = await makeJob(t.db, { status: "RUNNING", nodeId: mine.id, attempt: 2 });
    await claimed(retried.id, 1, 60_000);
    await claimed(retried.id, 2, 0);
    const foreign = await makeJob(t.db, { status: "RUNNING", nodeId: other.id, attempt: 1 });
    await claimed(foreign.id, 1, 20_000);

    const minMs = 5_000;
    expect(await runningJob(context(["agent-a"]), 1_000, { minMs })).toEqual({ id: victim.id, attempt: 1, node: "agent-a" });
    expect(await runningJob(context(["agent-a"], [victim.id]), 300, { minMs })).toBeNull();
    // Claimed before `startedAfter`: a job that started under the old settings is not the one wanted.
    expect(await runningJob(context(["agent-a"]), 300, { minMs, startedAfter: new Date(Date.now() - 8_000) })).toBeNull();
    expect(await runningJob(context(["agent-a"]), 300, { minMs, startedAfter: new Date(Date.now() - 12_000) })).toMatchObject({ id: victim.id });
  });
});
