// `npx tsx packages/scheduler/bench/fleet-read.ts [--nodes 1000] [--reads 200] [--rounds 3]`: what one
// read of the fleet costs the tick, in the statement's current form (`loadFleet`, one JSON text of
// columns) against its peer, the earlier form (one JSON array per node, `json_build_array` per row),
// on the same SIMULATED fleet (bench/throughput.ts's), alternated round by round in one run. Each
// read is charged its wall time, this process's CPU and the CPU of the Postgres backend serving it
// (/proc/<pg_backend_pid()>/stat, so the server must be on this machine: the embedded one). Both
// forms must decode to the same nodes, or the bench stops.
import os from "node:os";
import { isDeepStrictEqual, parseArgs } from "node:util";
import type { Db } from "@headroom/db";
import { openBenchDatabase } from "./db.ts";
import { ownCpuMs } from "./process-cpu.ts";
import { buildFleet, buildJobs, insertFleetAndQueue } from "./throughput.ts";
import { fmt, table } from "./stats.ts";
import { loadFleet, toIndexNodes, type TFleetRow } from "../src/plan.ts";
import type { TIndexNode } from "../src/fleet-index.ts";

const { values: a } = parseArgs({ options: { nodes: { type: "string", default: "1000" }, reads: { type: "string", default: "200" }, rounds: { type: "string", default: "3" } } });
const nodes = Number(a.nodes), reads = Number(a.reads), rounds = Number(a.rounds);

/** The peer: the statement as it was before session 12, one JSON array per node. */
async function loadFleetRows(db: Db): Promise<TIndexNode[]> {
  const [fleet, [result]] = await Promise.all([
    db.fleetSettings.findUnique({ where: { id: 1 } }),
    db.$queryRaw<{ fleet: string | null }[]>`
    SELECT json_agg(json_build_array(n.id, n.name, n.model, n.provider, n.status = 'ONLINE', n.drained, n."maxConcurrent", n."totalMiB", n."usedMiB",
             CASE WHEN o."nodeId" IS NULL THEN NULL ELSE (to_jsonb(o) - 'nodeId' - 'version' - 'updatedAt')::text END,
             coalesce(f.jobs, 0), coalesce(f.reserved, 0)))::text AS fleet
    FROM "Node" n
    LEFT JOIN "NodeSettingsOverride" o ON o."nodeId" = n.id
    LEFT JOIN (SELECT "nodeId", count(*) AS jobs, sum("predictedPeakMiB") AS reserved FROM "Job"
               WHERE status IN ('PLACED', 'RUNNING') AND "nodeId" IS NOT NULL GROUP BY "nodeId") f ON f."nodeId" = n.id`,
  ]);
  return toIndexNodes(fleet, JSON.parse(result?.fleet ?? "[]") as TFleetRow[]).sort((x, y) => x.id.localeCompare(y.id));
}

type TCost = { wallMs: number; nodeMs: number; pgMs: number; reads: number };
const forms: [string, (db: Db) => Promise<TIndexNode[]>][] = [
  ["current: one JSON text of columns", async (db) => (await loadFleet(db)).sort((x, y) => x.id.localeCompare(y.id))],
  ["peer: one JSON array per node (before)", loadFleetRows],
];
const totals = new Map<string, TCost>(forms.map(([name]) => [name, { wallMs: 0, nodeMs: 0, pgMs: 0, reads: 0 }]));
const db = await openBenchDatabase(undefined, () => {});
try {
  await insertFleetAndQueue(db.url, buildFleet(nodes, 42), buildJobs(nodes * 2, 42), false);
  const client = db.client();
  // A fleet at work: half the jobs in flight, spread over the nodes, and one node in twenty with its
  // own settings, so the join, the sums and the overrides all have rows to carry.
  await client.$executeRawUnsafe(`UPDATE "Job" j SET status = CASE WHEN k % 2 = 0 THEN 'RUNNING'::"JobStatus" ELSE 'PLACED'::"JobStatus" END,
      "nodeId" = (SELECT id FROM "Node" ORDER BY id OFFSET (k % ${nodes}) LIMIT 1), "predictedPeakMiB" = 1500 + (k % 7) * 100
    FROM (SELECT id, row_number() OVER (ORDER BY id) AS k FROM "Job") o WHERE o.id = j.id AND o.k <= ${nodes}`);
  await client.$executeRawUnsafe(`INSERT INTO "NodeSettingsOverride" ("nodeId", "admissionMaxUsagePct", "updatedAt")
    SELECT id, 90, now() FROM (SELECT id, row_number() OVER (ORDER BY id) AS k FROM "Node") n WHERE k % 20 = 0`);
  await client.$executeRawUnsafe(`ANALYZE`);
  const [first, second] = await client.$transaction((tx) => Promise.all(forms.map(([, read]) => read(tx))));
  if (!isDeepStrictEqual(first, second)) throw new Error("the two forms decode to different fleets");
  if (first!.length !== nodes) throw new Error(`read ${first!.length} nodes, expected ${nodes}`);
  for (let round = 0; round < rounds; round++) {
    for (const [name, read] of round % 2 === 0 ? forms : [...forms].reverse()) {
      await client.$transaction(async (tx) => {
        const pid = (await tx.$queryRaw<{ pid: number }[]>`SELECT pg_backend_pid() AS pid`)[0]!.pid;
        const c0 = process.cpuUsage(), p0 = ownCpuMs(pid), t0 = performance.now();
        for (let i = 0; i < reads; i++) await read(tx);
        const wallMs = performance.now() - t0, c = process.cpuUsage(c0), pgMs = ownCpuMs(pid) - p0;
        const t = totals.get(name)!;
        totals.set(name, { wallMs: t.wallMs + wallMs, nodeMs: t.nodeMs + (c.user + c.system) / 1_000, pgMs: t.pgMs + pgMs, reads: t.reads + reads });
      }, { timeout: 600_000 });
    }
  }
  const cpu = os.cpus()[0]?.model ?? "unknown CPU";
  console.log(`${fmt(nodes, 0)} SIMULATED nodes (${fmt(nodes, 0)} jobs in flight, ${Math.floor(nodes / 20)} overrides), ${rounds} rounds of ${reads} reads per form, alternated; ${os.cpus().length} × ${cpu}, load ${os.loadavg()[0]!.toFixed(1)} at the end; ${db.where}, Postgres ${db.postgresVersion}. Per read, ms:\n`);
  const rows = [...totals].map(([name, t]) => [name, fmt(t.wallMs / t.reads, 2), fmt(t.nodeMs / t.reads, 2), fmt(t.pgMs / t.reads, 2)]);
  console.log(table(["form", "wall", "scheduler CPU", "Postgres backend CPU"], rows));
} finally {
  await db.close();
}
