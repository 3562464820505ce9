// The lease sweep against a completion that commits while the sweep runs: the chaos campaign (issue
// 13) found a job completed twice because the sweep read it RUNNING, the completion committed, and
// the sweep's update by id then requeued the SUCCEEDED job. Here the completion holds the row until
// the sweep is seen waiting on it, so the interleaving is the same on every run.
import { createTestDatabase } from "@headroom/db/testing";
import { describe, expect, it } from "vitest";
import { claimNextJob } from "./store/claim.ts";
import { makeJob, makeNode } from "./test-factories.ts";
import { schedulerTick } from "./tick.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("the lease sweep", () => {
  it("leaves a job alone whose completion committed after the sweep read it as expired", async () => {
    const { prisma: db, drop } = await createTestDatabase();
    try {
      const node = await makeNode(db, { usedMiB: 0 });
      const job = await makeJob(db);
      await schedulerTick(db, { nodeOfflineMs: 60_000 });
      expect(await claimNextJob(db, node.id, 100)).toMatchObject({ id: job.id, attempt: 1 });
      await sleep(300); // the lease has run out; the completion is late but still accepted

      let tick: ReturnType<typeof schedulerTick> | null = null;
      await db.$transaction(
        async (tx) => {
          await tx.$queryRaw`SELECT id FROM "Job" WHERE id = ${job.id}::uuid FOR UPDATE`;
          await tx.job.update({ where: { id: job.id }, data: { status: "SUCCEEDED", finishedAt: new Date(), leaseExpiresAt: null } });
          await tx.jobEvent.create({ data: { jobId: job.id, nodeId: node.id, attempt: 1, type: "completed" } });
          // The sweep reads the job (still RUNNING to it) and then waits for this row.
          tick = schedulerTick(db, { nodeOfflineMs: 60_000, now: new Date() });
          for (let i = 0; i < 200; i++) {
            const [w] = await db.$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`;
            if ((w?.n ?? 0) > 0) return;
            await sleep(25);
          }
          throw new Error("the sweep never waited on the job's row");
        },
        { timeout: 20_000 },
      );
      expect(await tick!).toMatchObject({ expired: 0 });
      const done = await db.job.findUniqueOrThrow({ where: { id: job.id }, include: { events: { orderBy: { id: "asc" } } } });
      expect(done.status).toBe("SUCCEEDED");
      expect(done.events.map((e) => e.type)).toEqual(["placed", "claimed", "completed"]);
    } finally {
      await drop();
    }
  });
});
