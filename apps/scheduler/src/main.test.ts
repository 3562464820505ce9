// Two real scheduler processes on one database: each tick places under an advisory lock, so no job
// is placed twice however their ticks interleave. Then a SIGTERM stops each process cleanly.
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { createTestDatabase } from "@headroom/db/testing";
import { describe, expect, it } from "vitest";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const MAIN = new URL("./main.ts", import.meta.url).pathname;

describe("two scheduler processes", () => {
  it("never place a job twice, and stop on SIGTERM", { timeout: 90_000 }, async () => {
    const { prisma: db, url, drop } = await createTestDatabase();
    const procs: ReturnType<typeof spawn>[] = [];
    try {
      await db.node.createMany({
        data: Array.from({ length: 3 }, () => ({ name: `node-${randomUUID().slice(0, 8)}`, hostname: "test-host", kind: "GPU" as const, tokenHash: randomUUID(), totalMiB: 80_000, usedMiB: 1_000, freeMiB: 79_000, maxConcurrent: 1_000, lastHeartbeatAt: new Date() })),
      });
      await db.job.createMany({ data: Array.from({ length: 300 }, (_, i) => ({ fileName: `${i}.png`, mimeType: "image/png", sizeBytes: 1, sha256: "0", storageKey: `p${i}` })) });
      for (let i = 0; i < 2; i++) {
        procs.push(spawn(process.execPath, ["--import", "tsx", MAIN], { env: { ...process.env, DATABASE_URL: url, HEADROOM_NODE_OFFLINE_MS: "3600000", LOG_LEVEL: "silent" }, stdio: "ignore" }));
      }
      const deadline = Date.now() + 60_000;
      while ((await db.job.count({ where: { status: "QUEUED" } })) > 0 && Date.now() < deadline) await sleep(200);
      expect(await db.job.count({ where: { status: "PLACED" } })).toBe(300);
      const placed = await db.jobEvent.groupBy({ by: ["jobId"], where: { type: "placed" }, _count: { _all: true } });
      expect(placed).toHaveLength(300);
      expect(placed.every((g) => g._count._all === 1)).toBe(true);
      const exits = procs.map((p) => new Promise<number | null>((r) => (p.exitCode !== null ? r(p.exitCode) : p.once("exit", (code) => r(code)))));
      for (const p of procs) p.kill("SIGTERM");
      expect(await Promise.all(exits)).toEqual([0, 0]);
    } finally {
      for (const p of procs) if (p.exitCode === null) p.kill("SIGKILL");
      await drop();
    }
  });

  it("refuses a bad configuration with a readable message and exit code 1", { timeout: 60_000 }, async () => {
    const child = spawn(process.execPath, ["--import", "tsx", MAIN], { env: { ...process.env, DATABASE_URL: "not a url" }, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((r) => child.once("exit", (c) => r(c)));
    expect(code).toBe(1);
    expect(stderr).toMatch(/Invalid scheduler configuration:\n\s+DATABASE_URL: must be a postgres:\/\/ URL/);
  });
});
