// `npx tsx packages/scheduler/bench/tick-profile.ts [--nodes 1000] [--jobs 10000] [--batch 250]`:
// where one tick's time goes, phase by phase, on SIMULATED nodes (bench/throughput.ts's fleet and
// queue). The phases are the tick's own functions called in its order inside one transaction; each
// is charged its wall time, this process's CPU and the CPU of the Postgres backend serving the
// transaction (/proc/<pg_backend_pid()>/stat, so the server must be on this machine: the embedded one).
import { parseArgs } from "node:util";
import type { Prisma } from "@headroom/db";
import { openBenchDatabase } from "./db.ts";
import { ownCpuMs } from "./process-cpu.ts";
import { buildFleet, buildJobs, insertFleetAndQueue } from "./throughput.ts";
import { fmt, table } from "./stats.ts";
import { PeakModelCache } from "../src/history.ts";
import { loadFleet, planPlacements } from "../src/plan.ts";
import { writePlacements, writeWaiting } from "../src/placement-writes.ts";
import { notifyPlaced } from "../src/notify.ts";

const { values: a } = parseArgs({ options: { nodes: { type: "string", default: "1000" }, jobs: { type: "string", default: "10000" }, batch: { type: "string", default: "250" } } });
const nodes = Number(a.nodes), jobs = Number(a.jobs), batch = Number(a.batch);

type TCost = { wallMs: number; nodeMs: number; pgMs: number };
const totals = new Map<string, TCost>();
const db = await openBenchDatabase(undefined, () => {});
try {
  await insertFleetAndQueue(db.url, buildFleet(nodes, 42), buildJobs(jobs, 42), false);
  const client = db.client();
  const models = new PeakModelCache();
  let placed = 0;
  for (;;) {
    const n = await client.$transaction(async (tx) => {
      const pid = (await tx.$queryRaw<{ pid: number }[]>`SELECT pg_backend_pid() AS pid`)[0]!.pid;
      const phase = async <T>(name: string, f: () => Promise<T>): Promise<T> => {
        const c0 = process.cpuUsage(), p0 = ownCpuMs(pid), t0 = performance.now();
        const r = await f();
        const wallMs = performance.now() - t0, c = process.cpuUsage(c0), pgMs = ownCpuMs(pid) - p0;
        const t = totals.get(name) ?? { wallMs: 0, nodeMs: 0, pgMs: 0 };
        totals.set(name, { wallMs: t.wallMs + wallMs, nodeMs: t.nodeMs + (c.user + c.system) / 1_000, pgMs: t.pgMs + pgMs });
        return r;
      };
      await phase("lock", () => tx.$queryRaw`SELECT pg_try_advisory_xact_lock(4997444)`);
      const m = await phase("peak models", () => models.get(tx as unknown as Prisma.TransactionClient));
      await phase("fleet read alone (also inside plan)", () => loadFleet(tx));
      const plan = await phase("plan: queue + fleet + decisions", () => planPlacements(tx, new Date(), batch, m));
      const on = await phase("write placements + events", () => writePlacements(tx, plan.placements, new Date()));
      await phase("write wait reasons", () => writeWaiting(tx, plan.waiting));
      await phase("notify", () => notifyPlaced(tx, on.map((p) => p.nodeId)));
      return on.length;
    }, { timeout: 60_000 });
    if (n === 0) break;
    placed += n;
  }
  const rows = [...totals].map(([name, t]) => [name, fmt(t.wallMs / placed * 1_000, 1), fmt(t.nodeMs / placed * 1_000, 1), fmt(t.pgMs / placed * 1_000, 1)]);
  console.log(`${fmt(nodes, 0)} SIMULATED nodes, ${fmt(jobs, 0)} queued jobs, batch ${batch}: ${placed} placed. Per placed job, µs:\n`);
  console.log(table(["phase", "wall", "scheduler CPU", "Postgres backend CPU"], rows));
} finally {
  await db.close();
}
