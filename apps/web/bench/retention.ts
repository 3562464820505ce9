// `npm run bench:retention`: the memory-sample rollup (apps/web/src/server/retention/rollup.ts) on
// a backlog of raw samples, at the shipped batch size against a 10× larger one and against the
// whole backlog in one statement (one transaction), each on the same freshly seeded rows; then one
// node's 7-day chart (nodeMemorySeries, what the Nodes page calls) on raw rows against rollups.
//
//   npm run bench:retention                                  (embedded Postgres in a temp dir)
//   npm run bench:retention -- --nodes 20 --per-node 25000 --database-url postgresql://…
import { rm } from "node:fs/promises";
import os from "node:os";
import { parseArgs } from "node:util";
import { createPrismaClient, type PrismaClient } from "@headroom/db";
import { nodeMemorySeries } from "../src/server/nodes/memory-series.ts";
import { rollUpSamplesBatch } from "../src/server/retention/rollup.ts";
import { databaseFor } from "../../../scripts/seed-history.ts";

const SHIPPED_BATCH = 5_000; // run.ts's default batchRows

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** `perNode` samples per node, one every 2 s, all older than `before` by an hour or more. */
async function seed(db: PrismaClient, nodeIds: string[], perNode: number, before: Date): Promise<void> {
  await db.$executeRaw`TRUNCATE "MemorySample", "MemorySampleMinute"`;
  for (const id of nodeIds) {
    await db.$executeRaw`
      INSERT INTO "MemorySample" ("nodeId", "at", "usedMiB", "totalMiB", "processMiB", "utilPct")
      SELECT ${id}::uuid, ${before.toISOString()}::timestamp - interval '1 hour' - (i * interval '2 seconds'), 1000 + (i * 37) % 9000, 80000, 500 + i % 300, (i % 100)::float8
      FROM generate_series(1, ${perNode}) AS i`;
  }
  await db.$executeRaw`VACUUM ANALYZE "MemorySample"`;
}

async function rollUpAll(db: PrismaClient, before: Date, batchRows: number) {
  const perBatchMs: number[] = [];
  let rows = 0;
  const t0 = performance.now();
  for (;;) {
    const t = performance.now();
    const r = await rollUpSamplesBatch(db, before, batchRows);
    perBatchMs.push(performance.now() - t);
    rows += r.rows;
    if (r.rows < batchRows) break;
  }
  const totalMs = performance.now() - t0;
  perBatchMs.sort((a, b) => a - b);
  return { rows, totalMs, batches: perBatchMs.length, p50: pct(perBatchMs, 50), max: perBatchMs.at(-1)! };
}

async function chartMs(db: PrismaClient, nodeId: string, nowMs: number, runs: number): Promise<{ p50: number; points: number; samples: number }> {
  const times: number[] = [];
  let last = await nodeMemorySeries(db, nodeId, "7d", nowMs);
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    last = await nodeMemorySeries(db, nodeId, "7d", nowMs);
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return { p50: pct(times, 50), points: last.points.length, samples: last.points.reduce((n, p) => n + p.samples, 0) };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { "database-url": { type: "string" }, nodes: { type: "string" }, "per-node": { type: "string" } } });
  const nodes = Number(values.nodes ?? 20);
  const perNode = Number(values["per-node"] ?? 25_000);
  const log = (m: string) => console.error(`[bench] ${m}`);
  const target = await databaseFor(values["database-url"] ?? process.env.DATABASE_URL, log);
  const db = createPrismaClient(target.url);
  try {
    const nowMs = Date.now();
    const before = new Date(nowMs - 48 * 3_600_000);
    const nodeIds: string[] = [];
    for (let i = 0; i < nodes; i++) {
      nodeIds.push((await db.node.create({ data: { name: `bench-${i}-${nowMs}`, hostname: "h", kind: "GPU", tokenHash: `bench-${i}-${nowMs}`, totalMiB: 80_000 } })).id);
    }
    const total = nodes * perNode;
    console.log(`# Retention rollup on ${os.cpus().length}-core ${os.cpus()[0]?.model ?? "?"} (${Math.round(os.totalmem() / 2 ** 30)} GiB), ${new Date(nowMs).toISOString()}`);
    console.log(`${total.toLocaleString("en-US")} raw samples (${nodes} nodes × ${perNode.toLocaleString("en-US")}, one every 2 s), all past the raw window; seeded afresh for each variant.\n`);
    console.log("| variant | batch rows | batches | total s | raw rows/s | batch p50 ms | batch max ms |");
    console.log("|---|---:|---:|---:|---:|---:|---:|");
    let chartRaw: Awaited<ReturnType<typeof chartMs>> | null = null;
    for (const [name, batch] of [["shipped", SHIPPED_BATCH], ["10× batch", SHIPPED_BATCH * 10], ["one statement", total + 1]] as const) {
      await seed(db, nodeIds, perNode, before);
      chartRaw ??= await chartMs(db, nodeIds[0]!, nowMs, 20);
      const r = await rollUpAll(db, before, batch);
      if (r.rows !== total) throw new Error(`${name}: rolled up ${r.rows} of ${total}`);
      console.log(`| ${name} | ${batch.toLocaleString("en-US")} | ${r.batches} | ${(r.totalMs / 1000).toFixed(2)} | ${Math.round(r.rows / (r.totalMs / 1000)).toLocaleString("en-US")} | ${r.p50.toFixed(0)} | ${r.max.toFixed(0)} |`);
    }
    const chartRolled = await chartMs(db, nodeIds[0]!, nowMs, 20);
    console.log(`\n7-day chart of one node (nodeMemorySeries, p50 of 20): raw ${chartRaw!.p50.toFixed(1)} ms (${chartRaw!.points} points, ${chartRaw!.samples.toLocaleString("en-US")} samples), rolled up ${chartRolled.p50.toFixed(1)} ms (${chartRolled.points} points, ${chartRolled.samples.toLocaleString("en-US")} samples).`);
  } finally {
    await db.$disconnect();
    await target.stop();
    if (target.dataDir) await rm(target.dataDir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
