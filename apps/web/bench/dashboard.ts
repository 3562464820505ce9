// `npm run bench:dashboard`: server-side time of the dashboard's queries at scale: the job history
// (first page, a filter, text searches, a deep page, a sort by duration) and one node's memory
// chart (7 d, 24 h, live), p50/p95 over repeated runs, each timed around the same function the
// tRPC procedure and REST handler call (listJobs, nodeMemorySeries), over a local connection.
//
//   npm run bench:dashboard                                   (embedded Postgres in a temp dir, seeded)
//   npm run bench:dashboard -- --database-url postgresql://…  (an existing DB; seeds unless --no-seed)
//   … -- --runs 50 --out docs/bench-dashboard.md
import { writeFile } from "node:fs/promises";
import os from "node:os";
import { parseArgs } from "node:util";
import { createPrismaClient } from "@headroom/db";
import { listJobs } from "../src/server/jobs/list-jobs.ts";
import { nodeMemorySeries } from "../src/server/nodes/memory-series.ts";
import type { TJobFiltersInput } from "../src/lib/job-filters.ts";
import type { TMemoryRange } from "../src/lib/memory-buckets.ts";
import { databaseFor, SEED_DEFAULTS, seedHistory } from "../../../scripts/seed-history.ts";

const TARGET_MS = 500;

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** A history result's total as the page shows it ("10,000+" when capped); "—" for a chart. */
function found(result: unknown): string {
  const r = result as { total?: number; totalCapped?: boolean };
  return typeof r?.total === "number" ? `${r.total.toLocaleString("en-US")}${r.totalCapped ? "+" : ""}` : "—";
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { "database-url": { type: "string" }, "no-seed": { type: "boolean" }, runs: { type: "string" }, out: { type: "string" } } });
  const runs = Number(values.runs ?? 30);
  const log = (m: string) => console.error(`[bench] ${m}`);
  const db = await databaseFor(values["database-url"] ?? process.env.DATABASE_URL, log);
  const prisma = createPrismaClient(db.url);
  try {
    const nowMs = Date.now();
    if (!values["no-seed"]) {
      const t = performance.now();
      await seedHistory(db.url, { ...SEED_DEFAULTS, nowMs, log });
      log(`seeded in ${((performance.now() - t) / 1000).toFixed(0)} s`);
      // A live table is vacuumed by autovacuum; a freshly bulk-loaded one is not yet, and autovacuum
      // would otherwise start somewhere in the middle of the timings (and flip count plans from a
      // sequential read to an index-only scan as it marks pages all-visible). Do it now, once.
      await prisma.$executeRawUnsafe(`VACUUM (ANALYZE) "Job", "MemorySample", "NodeEvent"`);
    }
    const node = await prisma.node.findFirst({ where: { name: "seed-gpu-0" }, select: { id: true } });
    if (!node) throw new Error("no seeded node seed-gpu-0: run without --no-seed");
    const [jobs, samples, pgVersion] = await Promise.all([
      prisma.job.count(),
      prisma.memorySample.count(),
      prisma.$queryRaw<{ v: string }[]>`SELECT current_setting('server_version') AS v`,
    ]);
    const day = (offsetDays: number) => new Date(nowMs - offsetDays * 86_400_000).toISOString().slice(0, 10);

    const history: [string, TJobFiltersInput][] = [
      ["history: page 1 (newest first)", {}],
      ["history: status FAILED + one node", { status: "FAILED", nodeId: node.id }],
      ["history: PDFs created in a 2-day range", { type: "pdf", from: day(4), to: day(3) }],
      ["history: text search, rare word (~100 hits)", { q: "zanzibar" }],
      ["history: text search, common words (~80k hits)", { q: "invoice total" }],
      ["history: text search, common words, sort by peak", { q: "invoice total", sort: "peak", dir: "desc" }],
      ["history: text search, quoted phrase of common words (0 hits)", { q: '"invoice total"' }],
      ["history: text search, no hits", { q: "xylophone" }],
      ["history: partial file name", { q: "scan-0421" }],
      ["history: deep page (2,000 of 4,000)", { page: 2_000 }],
      ["history: sort by duration, page 1", { sort: "duration", dir: "desc" }],
      ["history: sort by peak asc, page 10, filtered", { sort: "peak", dir: "asc", page: 10, status: "SUCCEEDED" }],
    ];
    const charts: [string, TMemoryRange][] = [
      ["chart: one node, 7 d", "7d"],
      ["chart: one node, 24 h", "24h"],
      ["chart: one node, 1 h", "1h"],
      ["chart: one node, live (2 min)", "live"],
    ];
    const cases: [string, () => Promise<unknown>][] = [
      ...history.map(([name, f]) => [name, () => listJobs(prisma, f)] as [string, () => Promise<unknown>]),
      ...charts.map(([name, r]) => [name, () => nodeMemorySeries(prisma, node.id, r, nowMs)] as [string, () => Promise<unknown>]),
    ];

    const rows: string[] = [];
    for (const [name, fn] of cases) {
      let result: unknown;
      for (let i = 0; i < 3; i++) result = await fn(); // warm the pool, plans and cache
      const ms: number[] = [];
      for (let i = 0; i < runs; i++) {
        const t = performance.now();
        await fn();
        ms.push(performance.now() - t);
      }
      ms.sort((a, b) => a - b);
      const p95 = pct(ms, 95);
      const row = `| ${name} | ${found(result)} | ${pct(ms, 50).toFixed(1)} | ${p95.toFixed(1)} | ${ms.at(-1)!.toFixed(1)} | ${p95 < TARGET_MS ? "yes" : "**no**"} |`;
      rows.push(row);
      log(row);
    }

    const cpus = os.cpus();
    const machine = `${cpus[0]?.model ?? "unknown CPU"}, ${cpus.length} logical cores (shared with other work), ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB RAM, ${os.type()} ${os.release()}, Node ${process.version}, PostgreSQL ${pgVersion[0]?.v} (${db.dataDir ? "embedded, default settings" : "DATABASE_URL"})`;
    const md = [
      `Data: ${jobs.toLocaleString("en-US")} jobs, ${samples.toLocaleString("en-US")} memory samples (${SEED_DEFAULTS.nodes} nodes × 7 d at 1 / ${SEED_DEFAULTS.sampleEveryS} s). ${runs} timed runs per query after 3 warm-ups; times in ms, measured in Node around the query function (includes the local round trip). Target: p95 < ${TARGET_MS} ms.`,
      "",
      `Machine: ${machine}`,
      "",
      "| query | jobs found | p50 ms | p95 ms | max ms | p95 < 500 ms |",
      "|---|---:|---:|---:|---:|:---:|",
      ...rows,
    ].join("\n");
    console.log(md);
    if (values.out) await writeFile(values.out, md + "\n");
  } finally {
    await prisma.$disconnect();
    await db.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
