// `npm run bench:scheduler [-- options]`: placement throughput, dispatch latency and placement
// quality, printed as Markdown. Options:
//   --write            also save the Markdown to docs/bench-scheduler.md
//   --out DIR          save bench-scheduler.md and bench-scheduler.json in DIR (the bench host's $OUT)
//   --nodes 1000,10000 fleet sizes for the end-to-end tick (default 1,000 and 10,000)
//   --jobs N           queued jobs per tick run (default 10,000)
//   --batch 1000,250   batch sizes for the tick at the first fleet size (default the shipped one and 250)
//   --ways 4,1         statements the tick's placement write is split into, each tried at the first fleet size and batch (default: the shipped split and 1)
//   --quick            small sizes everywhere, to prove the command works (seconds, not minutes)
//   --no-dispatch      skip the dispatch part
// Uses a scratch database on DATABASE_URL's server if set, else an embedded Postgres in a temp dir.
import { writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { openBenchDatabase } from "./db.ts";
import { benchDispatch, dispatchReport, type TDispatchOptions, type TDispatchResult } from "./dispatch.ts";
import { benchQuality, qualityReport, type TQualityResult, type TScenario } from "./quality.ts";
import { fmt, machine, writeOut } from "./stats.ts";
import { DEFAULT_BATCH_SIZE, DEFAULT_WRITE_WAYS } from "../src/tick.ts";
import { agreement, benchIndexPlacement, benchPurePlacement, benchSchedulerTick, throughputReport, type TIndexRun, type TPureResult, type TTickBenchResult, type TTickPlan } from "./throughput.ts";

const { values: args } = parseArgs({
  options: {
    write: { type: "boolean", default: false },
    out: { type: "string" },
    nodes: { type: "string" },
    jobs: { type: "string" },
    batch: { type: "string" },
    ways: { type: "string" },
    quick: { type: "boolean", default: false },
    "no-dispatch": { type: "boolean", default: false },
  },
});
const list = (s: string | undefined, fallback: number[]) => (s ? s.split(",").map((x) => Number(x.replaceAll("_", ""))) : fallback);
const quick = args.quick;
const databaseUrl = process.env.DATABASE_URL || undefined; // a bench script, not an app: no env.ts
const started = performance.now();
const log = (msg: string) => console.error(`[bench ${fmt((performance.now() - started) / 1_000, 1)} s] ${msg}`);
const load = () => os.loadavg().map((x) => x.toFixed(1)).join(" / ");

const jobs = Number(args.jobs ?? (quick ? 2_000 : 10_000));
const fleetSizes = list(args.nodes, quick ? [200] : [1_000, 10_000]);
const batches = list(args.batch, [DEFAULT_BATCH_SIZE, 250]);
// The shipped split and one statement (what the tick did before), side by side on the same machine.
const ways = list(args.ways, [DEFAULT_WRITE_WAYS, 1]);
const THROUGHPUT = { nodes: fleetSizes[0]!, jobs, seed: 42 };
/** Decisions timed for the scan: its cost per decision is the point, and 10,000 took minutes on a busy machine. */
const SCAN_JOBS = quick ? 200 : 2_000;
const budgetMs = quick ? 20_000 : 60_000;
const claimTimeBudgetMs = quick ? 3_000 : 20_000;
// Every batch size and split at the first fleet size; the shipped ones at the others. Claim-time once per size.
const TICKS: TTickPlan[] = fleetSizes.flatMap((nodes, i) =>
  (i === 0 ? batches.flatMap((batchSize) => ways.map((writeWays) => ({ batchSize, writeWays }))) : [{ batchSize: DEFAULT_BATCH_SIZE, writeWays: DEFAULT_WRITE_WAYS }]).map((b, j) => ({
    nodes,
    jobs,
    ...b,
    budgetMs,
    ...(j === 0 ? { claimTimeBudgetMs } : {}),
  })),
);
const DISPATCH: TDispatchOptions[] = args["no-dispatch"]
  ? []
  : quick
    ? [{ agents: 4, notify: true, steadyJobs: 30, ratePerS: 10, burstJobs: 10, workMs: 50 }]
    : [
        { agents: 4, notify: true, steadyJobs: 250, ratePerS: 10, burstJobs: 100, workMs: 50 },
        { agents: 40, notify: true, steadyJobs: 1_000, ratePerS: 100, burstJobs: 0, workMs: 50 },
        // 1,000 jobs/s offered for 2 s; 200 agents of one slot and 50 ms jobs could take up to 4,000/s.
        { agents: 200, notify: true, steadyJobs: 2_000, ratePerS: 1_000, burstJobs: 0, workMs: 50 },
      ];
const QUALITY = { seed: 42, arriveForMs: quick ? 60_000 : 600_000, maxAttempts: 3 };
const SCENARIOS: TScenario[] = [
  { arrivalsPerS: 32, admission: "job-added" },
  { arrivalsPerS: 32, admission: "reading-only" },
  { arrivalsPerS: 40, admission: "job-added" },
];

/** The headline numbers, one line per question the benchmark answers. */
function summary(pure: TPureResult, index: TIndexRun[], tick: TTickBenchResult, dispatch: TDispatchResult[], quality: TQualityResult[]): string[] {
  const perS = (n: number, ms: number) => fmt(n / (ms / 1_000), 0);
  const q = (policy: string) => quality.find((r) => r.policy === policy && r.admission === "job-added" && r.arrivalsPerS === SCENARIOS[0]!.arrivalsPerS)!;
  const qLine = (["headroom", "claim-time", "round-robin", "random"] as const)
    .map((p) => `${p} ${q(p).refusals} refusals / ${q(p).ooms} OOM kills / hottest card ${fmt(Math.max(...q(p).peakShare) * 100, 1)} %`)
    .join("; ");
  return [
    `- Decisions at ${fmt(THROUGHPUT.nodes)} nodes: \`placeJob\`'s scan ${perS(pure.decisions, pure.totalMs)}/s (p50 ${fmt(pure.perDecisionUs.p50)} µs); the headroom-ordered index ${index.map((r) => `${perS(r.decisions, r.totalMs)}/s at ${fmt(r.nodes)} nodes (p50 ${fmt(r.perDecisionUs.p50)} µs)`).join(", ")}.`,
    ...tick.runs.map((r, i) => {
      const cpu = r.pgCpuS === null ? "" : `; Postgres used ${fmt((r.pgCpuS * 1_000) / r.placed, 2)} ms of CPU per placed job and the scheduler ${fmt((r.nodeCpuS * 1_000) / r.placed, 2)} ms`;
      return `- \`schedulerTick\` end to end at ${fmt(r.nodes)} nodes and ${fmt(TICKS[i]!.jobs)} queued jobs, batch ${r.batchSize} in ${r.writeWays} write statements: ${perS(r.placed, r.totalMs)} jobs placed/s of wall time, tick p50 ${fmt(r.tickMs.p50)} ms, p99 ${fmt(r.tickMs.p99)} ms, ${r.failedTicks} failed${cpu}.`;
    }),
    ...tick.claimTime.map((c) => `- Placing at claim time on the same trace (${fmt(c.nodes)} nodes): ${perS(c.claimed, c.totalMs)} jobs/s (claim p50 ${fmt(c.claimMs.p50)} ms, p99 ${fmt(c.claimMs.p99)} ms${c.pgCpuS === null ? "" : `, Postgres CPU ${fmt((c.pgCpuS * 1_000) / Math.max(1, c.claimed), 2)} ms per job`}).`),
    ...dispatch.flatMap((d) => d.phases.filter((p) => p.name.startsWith("steady")).map((p) => `- Dispatch (NOTIFY, ${d.agents} agents, ${p.name}): submit → claimed p50 ${fmt(p.submitToClaimMs.p50)} ms, p99 ${fmt(p.submitToClaimMs.p99)} ms (${p.claimed}/${p.submitted} claimed), through the real scheduler loop and claim function but without HTTP.`)),
    `- Quality at ${SCENARIOS[0]!.arrivalsPerS}/s on the SIMULATED fleet: ${qLine}.`,
  ];
}

const loadBefore = load();
log("quality: simulating (pure TypeScript, no database)");
const quality = benchQuality(QUALITY, SCENARIOS);
log(`throughput: placeJob alone, ${THROUGHPUT.jobs} decisions over ${THROUGHPUT.nodes} nodes`);
const pure = benchPurePlacement(THROUGHPUT, SCAN_JOBS);
log(`throughput: the fleet index at ${fleetSizes.map((n) => fmt(n, 0)).join(" and ")} nodes`);
const index: TIndexRun[] = fleetSizes.map((nodes) => {
  const r = benchIndexPlacement({ ...THROUGHPUT, nodes });
  return { ...r, nodes, sameAsScan: nodes === THROUGHPUT.nodes ? agreement(pure, r) : null };
});
log(databaseUrl ? "database: scratch database on DATABASE_URL's server" : "database: starting an embedded Postgres");
const db = await openBenchDatabase(databaseUrl, () => {});
// Ctrl-C: stop the embedded server and remove its temp dir (or drop the scratch database) first.
process.once("SIGINT", () => void db.close().finally(() => process.exit(130)));
let out: string;
let json: unknown;
try {
  log(`throughput: schedulerTick against ${db.where}`);
  const tick = await benchSchedulerTick(db, TICKS, THROUGHPUT.seed, log);
  const dispatch: TDispatchResult[] = [];
  const dispatchErrors: string[] = [];
  for (const o of DISPATCH) {
    await db.reset();
    try {
      dispatch.push(await benchDispatch(db.url, db.client(2), db.client(20), o, log));
    } catch (err) {
      // A rate the machine cannot carry is a result too: say what broke instead of losing the run.
      const msg = (err instanceof Error ? err.message : String(err)).split("\n").filter(Boolean).at(-1)!.slice(0, 240);
      dispatchErrors.push(`${o.ratePerS} jobs/s offered to ${o.agents} agents did not complete: ${msg}`);
      log(dispatchErrors.at(-1)!);
    }
  }
  const took = (performance.now() - started) / 1_000;
  out = [
    "# Scheduler benchmark",
    "",
    `Generated by \`npm run bench:scheduler -- ${process.argv.slice(2).join(" ")}\` (\`packages/scheduler/bench/scheduler.ts\`${process.env.HEADROOM_BENCH_COMMIT ? `, bundled from ${process.env.HEADROOM_BENCH_COMMIT}` : ""}) on ${new Date().toISOString().slice(0, 10)}; the run took ${fmt(took, 0)} s.`,
    "The database is an embedded Postgres in a temp dir, or, with `DATABASE_URL` set, a scratch database created on that server (the role needs CREATEDB) and dropped afterwards.",
    "Every node in this benchmark is SIMULATED (database rows or in-memory records with no GPU behind them); the code under test, the database and the protocol functions are real.",
    "",
    "## Summary",
    "",
    ...summary(pure, index, tick, dispatch, quality),
    "",
    "## Machine",
    "",
    ...machine(db.postgresVersion).map((l) => `- ${l}`),
    `- Database: ${db.where}; ${db.settings}.`,
    `- Load average (1/5/15 min) at start ${loadBefore}, at end ${load()}: a load well above 0 means other work shared the machine during the run (absolute timings then pessimistic and noisy; ratios within one table hold better).`,
    "",
    "## 1. Placement throughput",
    "",
    throughputReport(THROUGHPUT, pure, index, tick),
    "",
    ...(DISPATCH.length === 0 ? [] : ["## 2. Dispatch latency: submit → claimed by the agent", "", dispatchReport(DISPATCH[0]!, dispatch), ...dispatchErrors.map((e) => `- ${e}`), ""]),
    "## 3. Placement quality: headroom vs claim-time vs round-robin vs random (simulated time)",
    "",
    qualityReport({ ...QUALITY, arrivalsPerS: SCENARIOS[0]!.arrivalsPerS }, quality),
    "",
  ].join("\n");
  // The numbers behind the Markdown, for comparing runs (the per-decision node lists left out).
  const strip = ({ chosen: _, ...r }: TPureResult) => r;
  json = { args, took, machine: machine(db.postgresVersion), database: { where: db.where, settings: db.settings }, loadBefore, loadAfter: load(), pure: strip(pure), index: index.map((r) => ({ ...strip(r), nodes: r.nodes, sameAsScan: r.sameAsScan })), tick, dispatch, dispatchErrors, quality };
} finally {
  await db.close();
}
console.log(out);
if (args.out) {
  await writeOut(args.out, { "bench-scheduler.md": out, "bench-scheduler.json": JSON.stringify(json, null, 1) });
  log(`wrote bench-scheduler.md and bench-scheduler.json in ${args.out}`);
}
if (args.write) {
  const file = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../docs/bench-scheduler.md");
  await writeFile(file, out);
  log(`wrote ${file}`);
}
