// Failures the queue must survive, against real Postgres servers: an agent that dies mid-job, and
// the database itself stopping and coming back mid-run.
import { chmod, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { createPrismaClient, type PrismaClient } from "@headroom/db";
import { freePort, migrate, startDatabase } from "@headroom/db/bootstrap";
import { createTestDatabase } from "@headroom/db/testing";
import { AppError } from "@headroom/protocol";
import { describe, expect, it } from "vitest";
import { claimNextJob } from "./store/claim.ts";
import { completeJob } from "./store/lifecycle.ts";
import { startSchedulerLoop } from "./loop.ts";
import { makeJob, makeNode } from "./test-factories.ts";
import { schedulerTick } from "./tick.ts";

const result = { pages: [], text: "ok", model: "pp-ocrv4", provider: "cpu", timingsMs: {} };
const memory = { beforeMiB: 1, afterMiB: 1, peakMiB: 2 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("an agent killed mid-job", () => {
  it("its job completes on another node after the lease expires, and its late report is ignored", async () => {
    const { prisma: db, drop } = await createTestDatabase();
    try {
      const dead = await makeNode(db, { usedMiB: 0 });
      const alive = await makeNode(db, { usedMiB: 40_000 });
      const job = await makeJob(db);
      await schedulerTick(db, { nodeOfflineMs: 60_000 });
      const first = (await claimNextJob(db, dead.id, 200))!;
      expect(first.id).toBe(job.id);
      // The agent dies: no more heartbeats, no lease renewals.
      await db.node.update({ where: { id: dead.id }, data: { lastHeartbeatAt: new Date(Date.now() - 120_000) } });
      await sleep(300);
      expect(await schedulerTick(db, { nodeOfflineMs: 60_000 })).toMatchObject({ expired: 1, offline: 1, placed: 1 });
      const second = (await claimNextJob(db, alive.id, 30_000))!;
      expect(second).toMatchObject({ id: job.id, attempt: 2 });
      await completeJob(db, { jobId: job.id, nodeId: alive.id, attempt: 2 }, { attempt: 2, result, memory, durationMs: 1 });
      const late = await completeJob(db, { jobId: job.id, nodeId: dead.id, attempt: 1 }, { attempt: 1, result: { ...result, text: "stale" }, memory, durationMs: 1 }).catch((e: unknown) => e);
      expect((late as AppError).code).toBe("LEASE_LOST");
      const done = await db.job.findUniqueOrThrow({ where: { id: job.id }, include: { events: { orderBy: { id: "asc" } } } });
      expect(done).toMatchObject({ status: "SUCCEEDED", nodeId: alive.id, attempt: 2, text: "ok" });
      expect(done.events.map((e) => e.type)).toEqual(["placed", "claimed", "lease_expired", "placed", "claimed", "completed"]);
    } finally {
      await drop();
    }
  });
});

describe("the database stopped and restarted mid-run", () => {
  it("loses no job, completes each exactly once, and resumes", { timeout: 120_000 }, async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), "headroom-restart-"));
    await chmod(dataDir, 0o755); // Postgres runs as its own user when we are root
    const port = await freePort();
    let server = await startDatabase({ dataDir, port });
    await migrate(server.url);
    const db: PrismaClient = createPrismaClient(server.url, { poolMax: 8 });
    const JOBS = 120;
    let completedCalls = 0;
    const errorsSeen: string[] = [];
    try {
      const nodes = await Promise.all(Array.from({ length: 3 }, () => makeNode(db, { maxConcurrent: 4 })));
      await db.job.createMany({ data: Array.from({ length: JOBS }, (_, i) => ({ fileName: `${i}.png`, mimeType: "image/png", sizeBytes: 1, sha256: "0", storageKey: `s${i}` })) });
      const loop = startSchedulerLoop(db, { nodeOfflineMs: 3_600_000, onError: (e) => errorsSeen.push(String(e)) });
      let stop = false;
      // Simulated agents: claim, "work", complete; on a database error, keep the job and retry the report.
      const workers = nodes.flatMap((n) =>
        [0, 1].map(async () => {
          while (!stop) {
            let job: Awaited<ReturnType<typeof claimNextJob>> = null;
            try {
              job = await claimNextJob(db, n.id, 60_000);
            } catch {
              await sleep(200);
              continue;
            }
            if (!job) {
              await sleep(50);
              continue;
            }
            await sleep(10);
            for (;;) {
              try {
                await completeJob(db, { jobId: job.id, nodeId: n.id, attempt: job.attempt }, { attempt: job.attempt, result, memory, durationMs: 10 });
                completedCalls++;
                break;
              } catch (err) {
                if (err instanceof AppError && err.code === "LEASE_LOST") break;
                await sleep(200);
              }
            }
          }
        }),
      );
      while (completedCalls < JOBS / 3) await sleep(20);
      await server.stop();
      await sleep(1_000);
      server = await startDatabase({ dataDir, port });
      const deadline = Date.now() + 90_000;
      for (;;) {
        const done = await db.job.count({ where: { status: "SUCCEEDED" } }).catch(() => -1);
        if (done === JOBS || Date.now() > deadline) break;
        await sleep(200);
      }
      stop = true;
      await Promise.all(workers);
      await loop.stop();
      expect(errorsSeen.length).toBeGreaterThan(0); // the outage was real
      expect(await db.job.count({ where: { status: "SUCCEEDED" } })).toBe(JOBS);
      const completions = await db.jobEvent.groupBy({ by: ["jobId"], where: { type: "completed" }, _count: { _all: true } });
      expect(completions).toHaveLength(JOBS);
      expect(completions.every((c) => c._count._all === 1)).toBe(true);
    } finally {
      await db.$disconnect();
      await server.stop();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
