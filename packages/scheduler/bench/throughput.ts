// Placement throughput: the pure `placeJob` alone, then `schedulerTick` end to end against Postgres.
// Both see the same simulated fleet (SIMULATED node rows: no agent behind them) and the same jobs.
import { performance } from "node:perf_hooks";
import { DEFAULT_THRESHOLDS } from "@headroom/protocol";
import pg from "pg";
import type { PrismaClient } from "@headroom/db";
import { FleetIndex } from "../src/fleet-index.ts";
import { placeJob, predictPeakMiB, type TPlacementNode } from "@headroom/policy";
import { PeakModelCache } from "../src/history.ts";
import { DEFAULT_WRITE_WAYS, schedulerTick } from "../src/tick.ts";
import { benchClaimTime, type TClaimTimeResult } from "./claim-time.ts";
import { pgLoadSince, pgMark } from "./pg-load.ts";
import type { TBenchDatabase } from "./db.ts";
import { drawDocument, rng, seqUuid, type TDocument } from "./random.ts";
import { fmt, summarize, table, type TSummary } from "./stats.ts";

export type TThroughputOptions = { nodes: number; jobs: number; seed: number };

type TFleetNode = { id: string; name: string; totalMiB: number; usedMiB: number; maxConcurrent: number };

/** 3 in 4 nodes are 80 GiB cards, the rest 24 GiB; each has its model resident plus 0–30 % of other use. */
export function buildFleet(n: number, seed: number): TFleetNode[] {
  const r = rng(seed);
  return Array.from({ length: n }, (_, i) => {
    const totalMiB = i % 4 === 3 ? 24_576 : 81_920;
    return { id: seqUuid(1, i), name: `sim-node-${i}`, totalMiB, usedMiB: 6_000 + Math.floor(r() * 0.3 * totalMiB), maxConcurrent: 16 };
  });
}

export function buildJobs(n: number, seed: number): (TDocument & { id: string; predictedPeakMiB: number })[] {
  const r = rng(seed + 1);
  return Array.from({ length: n }, (_, i) => {
    const doc = drawDocument(r);
    return { ...doc, id: seqUuid(2, i), predictedPeakMiB: predictPeakMiB(doc) };
  });
}

/** `chosen`: the node each decision chose, in job order ("" for none), to compare the two paths. */
export type TPureResult = { decisions: number; placed: number; totalMs: number; perDecisionUs: TSummary; cpuMsTotal: number; chosen: string[] };

export function benchPurePlacement(o: TThroughputOptions, scanJobs: number): TPureResult {
  const jobs = buildJobs(o.jobs, o.seed);
  const fresh = (): TPlacementNode[] =>
    buildFleet(o.nodes, o.seed).map((n) => ({ ...n, predictionKey: "simulated|cuda", online: true, drained: false, inFlightPeaksMiB: [], thresholds: DEFAULT_THRESHOLDS }));
  // Warm-up so the JIT has compiled placeJob before we time it; then start again from an empty fleet.
  const warm = fresh();
  for (const job of jobs.slice(0, 1_000)) placeJob(warm, { id: job.id, predictedPeakMiB: job.predictedPeakMiB, peakMiBByKey: {} });

  const fleet = fresh();
  const byId = new Map(fleet.map((n) => [n.id, n]));
  const times: number[] = [];
  const chosen: string[] = [];
  let placed = 0;
  const cpu0 = process.cpuUsage();
  // The scan is slow: the first `o.jobs` jobs only (the index runs them all, from the same start).
  for (const job of jobs.slice(0, scanJobs)) {
    const t0 = performance.now();
    const d = placeJob(fleet, { id: job.id, predictedPeakMiB: job.predictedPeakMiB, peakMiBByKey: {} });
    times.push((performance.now() - t0) * 1_000);
    chosen.push(d.ok ? d.nodeId : "");
    if (d.ok) {
      byId.get(d.nodeId)!.inFlightPeaksMiB.push(d.predictedPeakMiB); // as the tick does after each decision
      placed++;
    }
  }
  const cpu = process.cpuUsage(cpu0);
  const totalMs = times.reduce((a, b) => a + b, 0) / 1_000;
  return { decisions: times.length, placed, totalMs, perDecisionUs: summarize(times), cpuMsTotal: (cpu.user + cpu.system) / 1_000, chosen };
}

/** The same decisions through the headroom-ordered index (fleet-index.ts): O(log n) each instead of a scan. */
export function benchIndexPlacement(o: Pick<TThroughputOptions, "nodes" | "jobs" | "seed">): TPureResult {
  const jobs = buildJobs(o.jobs, o.seed);
  const fresh = () =>
    buildFleet(o.nodes, o.seed).map((n) => ({ ...n, predictionKey: "simulated|cuda", online: true, drained: false, inFlight: 0, reservedMiB: 0, thresholds: DEFAULT_THRESHOLDS }));
  const warm = new FleetIndex(fresh());
  for (const job of jobs.slice(0, 1_000)) {
    const d = warm.place({ id: job.id, predictedPeakMiB: job.predictedPeakMiB, peakMiBByKey: {} });
    if (d.ok) warm.reserve(d.nodeId, d.predictedPeakMiB);
  }
  const index = new FleetIndex(fresh());
  const times: number[] = [];
  const chosen: string[] = [];
  let placed = 0;
  const cpu0 = process.cpuUsage();
  for (const job of jobs) {
    const t0 = performance.now();
    const d = index.place({ id: job.id, predictedPeakMiB: job.predictedPeakMiB, peakMiBByKey: {} });
    if (d.ok) index.reserve(d.nodeId, d.predictedPeakMiB);
    times.push((performance.now() - t0) * 1_000);
    chosen.push(d.ok ? d.nodeId : "");
    if (d.ok) placed++;
  }
  const cpu = process.cpuUsage(cpu0);
  const totalMs = times.reduce((a, b) => a + b, 0) / 1_000;
  return { decisions: jobs.length, placed, totalMs, perDecisionUs: summarize(times), cpuMsTotal: (cpu.user + cpu.system) / 1_000, chosen };
}

export type TTickRun = {
  nodes: number;
  batchSize: number;
  writeWays: number;
  ticks: number;
  failedTicks: number;
  firstError: string | null;
  placed: number;
  skipped: number;
  totalMs: number;
  /** Ticks that placed something and committed. */
  tickMs: TSummary;
  walBytesPerPlaced: number;
  /** On disk after the run: the placement record (Job.placement) and the placed event, per placed job. */
  recordBytes: number;
  eventBytes: number;
  setupMs: number;
  /** CPU seconds over the run: the Postgres server's processes and this (the scheduler's) process. */
  pgCpuS: number | null;
  nodeCpuS: number;
};

export type TTickBenchResult = { runs: TTickRun[]; claimTime: TClaimTimeResult[] };

/** Bulk setup in two statements: one multi-row INSERT … SELECT FROM unnest(arrays) per table. */
export async function insertFleetAndQueue(url: string, fleet: TFleetNode[], jobs: ReturnType<typeof buildJobs>, withPeaks: boolean): Promise<number> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const t0 = performance.now();
    await c.query(
      `INSERT INTO "Node" (id, name, hostname, kind, provider, "tokenHash", status, "maxConcurrent", "totalMiB", "usedMiB", "freeMiB", "lastHeartbeatAt")
       SELECT id, name, 'simulated', 'GPU', 'cuda', 'sim-' || id, 'ONLINE', mc, total, used, total - used, now()
       FROM unnest($1::uuid[], $2::text[], $3::int[], $4::int[], $5::int[]) AS t(id, name, mc, total, used)`,
      [fleet.map((n) => n.id), fleet.map((n) => n.name), fleet.map((n) => n.maxConcurrent), fleet.map((n) => n.totalMiB), fleet.map((n) => n.usedMiB)],
    );
    // Created an hour ago, one ms apart: the queue order is fixed and every job is due. The claim-time
    // design needs each job's predicted peak at submit (it has no tick to predict it), so it gets it here.
    await c.query(
      `INSERT INTO "Job" (id, "fileName", "mimeType", "sizeBytes", sha256, "widthPx", "heightPx", pages, "storageKey", "createdAt", "runAfter", "predictedPeakMiB")
       SELECT id, kind || '-' || ord, CASE WHEN kind = 'pdf' THEN 'application/pdf' ELSE 'image/png' END, 500000, repeat('0', 64), w, h, p,
              'sim-' || id, now() - interval '1 hour' + ord * interval '1 millisecond', now() - interval '1 hour', peak
       FROM unnest($1::uuid[], $2::text[], $3::int[], $4::int[], $5::int[], $6::int[]) WITH ORDINALITY AS t(id, kind, w, h, p, peak, ord)`,
      [jobs.map((j) => j.id), jobs.map((j) => j.kind), jobs.map((j) => j.widthPx), jobs.map((j) => j.heightPx), jobs.map((j) => j.pages), jobs.map((j) => (withPeaks ? j.predictedPeakMiB : null))],
    );
    // Fresh statistics, as autovacuum would give a table this size: without them the planner guesses a
    // queue of a few rows and sorts the whole queue for every claim of the claim-time design.
    await c.query(`ANALYZE "Job"; ANALYZE "Node"`);
    return performance.now() - t0;
  } finally {
    await c.end();
  }
}

async function walLsn(db: PrismaClient): Promise<string> {
  const [r] = await db.$queryRaw<{ lsn: string }[]>`SELECT pg_current_wal_insert_lsn()::text AS lsn`;
  return r!.lsn;
}

async function walSince(db: PrismaClient, lsn: string): Promise<number> {
  const [r] = await db.$queryRaw<{ bytes: number }[]>`SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), ${lsn}::pg_lsn)::float8 AS bytes`;
  return r!.bytes;
}

/** Ticks back to back until the queue is empty or the budget is spent. */
async function tickRun(db: PrismaClient, nodes: number, setupMs: number, batchSize: number, writeWays: number, budgetMs: number, log: (msg: string) => void): Promise<TTickRun> {
  const peakModels = new PeakModelCache();
  const times: number[] = [];
  let ticks = 0, failedTicks = 0, placed = 0, skipped = 0;
  let firstError: string | null = null;
  const lsn = await walLsn(db);
  const mark = await pgMark(db);
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  while (performance.now() - start < budgetMs) {
    const t = performance.now();
    ticks++;
    try {
      // Offline after an hour of silence: the simulated nodes never heartbeat during the run.
      const r = await schedulerTick(db, { nodeOfflineMs: 3_600_000, batchSize, peakModels, writeWays });
      if (r.placed === 0) break;
      times.push(performance.now() - t);
      placed += r.placed;
      skipped += r.skipped;
    } catch (err) {
      failedTicks++;
      const msg = err instanceof Error ? err.message : String(err);
      firstError ??= (/Transaction API error: [^.]*\./.exec(msg)?.[0] ?? msg.split("\n").filter(Boolean).at(-1) ?? msg).slice(0, 200);
      log(`tick (batch ${batchSize}) failed after ${fmt(performance.now() - t)} ms: ${firstError}`);
    }
  }
  const totalMs = performance.now() - start;
  const cpu = process.cpuUsage(cpu0);
  const { cpuS: pgCpuS } = await pgLoadSince(db, mark);
  const wal = await walSince(db, lsn);
  const [sizes] = await db.$queryRaw<{ record: number | null; event: number | null }[]>`
    SELECT (SELECT avg(pg_column_size(placement))::float8 FROM "Job" WHERE placement IS NOT NULL) AS record,
           (SELECT avg(pg_column_size(e.*))::float8 FROM "JobEvent" e WHERE type = 'placed') AS event`;
  return { nodes, batchSize, writeWays, ticks, failedTicks, firstError, placed, skipped, totalMs, tickMs: summarize(times), walBytesPerPlaced: wal / Math.max(1, placed), recordBytes: sizes?.record ?? 0, eventBytes: sizes?.event ?? 0, setupMs, pgCpuS, nodeCpuS: (cpu.user + cpu.system) / 1e6 };
}

/** `claimTimeBudgetMs`: also run the claim-time design on the same fleet and jobs, for this long at most. */
/** `writeWays`: statements the tick splits its placement write into (tick.ts DEFAULT_WRITE_WAYS when absent). */
export type TTickPlan = { nodes: number; jobs: number; batchSize: number; writeWays?: number; budgetMs: number; claimTimeBudgetMs?: number };

export async function benchSchedulerTick(db: TBenchDatabase, plans: readonly TTickPlan[], seed: number, log: (msg: string) => void): Promise<TTickBenchResult> {
  const client = db.client();
  const runs: TTickRun[] = [];
  const claimTime: TClaimTimeResult[] = [];
  // Untimed warm-up (JIT, Prisma's query plans, the pool's connections), so the first timed run,
  // the shipped configuration, does not pay for it alone.
  for (const writeWays of [1, DEFAULT_WRITE_WAYS]) {
    await db.reset();
    await insertFleetAndQueue(db.url, buildFleet(100, seed), buildJobs(1_000, seed), false);
    await tickRun(client, 100, 0, 500, writeWays, 10_000, log);
  }
  for (const p of plans) {
    const fleet = buildFleet(p.nodes, seed);
    const jobs = buildJobs(p.jobs, seed);
    await db.reset();
    const setupMs = await insertFleetAndQueue(db.url, fleet, jobs, false);
    const ways = p.writeWays ?? DEFAULT_WRITE_WAYS;
    log(`tick: ${fmt(p.nodes)} nodes, ${fmt(p.jobs)} jobs queued (${fmt(setupMs)} ms), batch ${p.batchSize}, ${ways} write statements`);
    runs.push(await tickRun(client, p.nodes, setupMs, p.batchSize, ways, p.budgetMs, log));
    if (p.claimTimeBudgetMs === undefined) continue;
    // The alternative design on the same fleet and jobs: no tick; each claim places one job.
    await db.reset();
    await insertFleetAndQueue(db.url, fleet, jobs, true);
    log(`claim-time: ${fmt(p.nodes)} nodes, ${fmt(p.jobs)} jobs queued`);
    claimTime.push(await benchClaimTime(db.url, client, p.nodes, p.jobs, p.claimTimeBudgetMs));
  }
  return { runs, claimTime };
}

export type TIndexRun = TPureResult & { nodes: number; sameAsScan: number | null };

/** How many of the scan's decisions the index made the same way (the scan ran the first jobs only). */
export function agreement(scan: TPureResult, index: TPureResult): number {
  return scan.chosen.filter((id, i) => index.chosen[i] === id).length;
}

export function throughputReport(o: TThroughputOptions, pure: TPureResult, index: TIndexRun[], tick: TTickBenchResult): string {
  const ms = (x: number) => `${fmt(x)} ms`;
  const us = (x: number) => `${fmt(x)} µs`;
  const rate = (n: number, totalMs: number) => fmt(n / (totalMs / 1_000), 0);
  const decisions = table(
    ["decision", "nodes", "decisions", "placed", "decisions per s", "p50", "p99", "max", "same node as the scan"],
    [
      ["`placeJob` (scan of every node)", fmt(o.nodes, 0), fmt(pure.decisions, 0), fmt(pure.placed, 0), rate(pure.decisions, pure.totalMs), us(pure.perDecisionUs.p50), us(pure.perDecisionUs.p99), us(pure.perDecisionUs.max), "–"],
      ...index.map((r) => [
        "`FleetIndex.place` + `reserve` (heap)",
        fmt(r.nodes, 0),
        fmt(r.decisions, 0),
        fmt(r.placed, 0),
        rate(r.decisions, r.totalMs),
        us(r.perDecisionUs.p50),
        us(r.perDecisionUs.p99),
        us(r.perDecisionUs.max),
        r.sameAsScan === null ? "not checked (the scan takes minutes here)" : `${fmt(r.sameAsScan, 0)} of the scan's ${fmt(pure.decisions, 0)}`,
      ]),
    ],
  );
  const cpuMs = (s: number | null, n: number) => (s === null ? "–" : `${fmt((s * 1_000) / Math.max(1, n), 2)} ms`);
  const ticks = table(
    ["design", "nodes", "batch", "write statements", "ticks / claims", "placed", "skipped", "failed", "placed per s (wall)", "p50", "p99", "max", "Postgres CPU per job", "scheduler CPU per job", "WAL per job"],
    [
      ...tick.runs.map((r) => [
        "place, then claim (`schedulerTick`, shipped)", fmt(r.nodes, 0), fmt(r.batchSize, 0), fmt(r.writeWays, 0), `${fmt(r.ticks, 0)} ticks`, fmt(r.placed, 0), fmt(r.skipped, 0), fmt(r.failedTicks, 0),
        rate(r.placed, r.totalMs), ms(r.tickMs.p50), ms(r.tickMs.p99), ms(r.tickMs.max), cpuMs(r.pgCpuS, r.placed), cpuMs(r.nodeCpuS, r.placed), `${fmt(r.walBytesPerPlaced, 0)} B`,
      ]),
      ...tick.claimTime.map((c) => [
        `place at claim time (${c.workers} claimers)`, fmt(c.nodes, 0), "–", "–", `${fmt(c.claimMs.n, 0)} claims`, fmt(c.claimed, 0), "–", "–",
        rate(c.claimed, c.totalMs), ms(c.claimMs.p50), ms(c.claimMs.p99), ms(c.claimMs.max), cpuMs(c.pgCpuS, c.claimed), "–", `${fmt(c.walBytes / Math.max(1, c.claimed), 0)} B`,
      ]),
    ],
  );
  const first = tick.runs[0];
  return [
    decisions,
    "",
    `- Fleet: SIMULATED node records (3 in 4 of 80 GiB, 1 in 4 of 24 GiB, each with 6 GiB resident plus 0–30 % other use, maxConcurrent 16, all online), ${fmt(o.jobs)} jobs from the document mix of section 3, predictions from the prior (no history). Each decision is followed by the reservation on the chosen node, as the tick does; wall time per decision with \`performance.now()\`, after a 1,000-decision warm-up. The scan used ${fmt(pure.cpuMsTotal / 1_000, 1)} s of CPU for ${fmt(pure.totalMs / 1_000, 1)} s of wall time.`,
    "",
    ticks,
    "",
    `- \`schedulerTick\` is the real tick: advisory lock, offline sweep, lease sweep, history fit, read the batch and the fleet (nodes plus one aggregate of jobs in flight), decide with the index, the placements written as \`UPDATE … FROM jsonb_to_recordset\` statements that also insert the \`placed\` events (split by node into the number of write statements, run side by side on the pool while the tick's transaction keeps the lock), one \`pg_notify\` statement; the sweeps commit first in a transaction of their own; ticked back to back until the queue was empty. p50/p99/max are per tick; "placed per s" is all placed jobs over the whole run's wall time.`,
    `- Place at claim time is the alternative design (\`bench/claim-time.ts\`): no tick; each claim takes, in one statement, the first queued job whose predicted peak fits the claiming node under the same rules, and marks it running. Same fleet and jobs, ${tick.claimTime[0]?.workers ?? 8} connections claiming for the nodes in turn, for at most ${fmt((tick.claimTime[0]?.budgetMs ?? 0) / 1_000, 0)} s; p50/p99/max are per claim. Its WAL and CPU cover placing and claiming; the shipped design's claim comes on top of its tick (section 2 measures the whole lifecycle).`,
    `- CPU per job: user + system seconds of the Postgres server's processes (/proc) and of this process (the tick's Node side: reads, decisions, JSON) over the run, divided by the jobs placed. On a shared machine the wall rate depends on what the others run; CPU per job does much less, and 1 ÷ (CPU per job) is the rate one dedicated core would give.`,
    `- WAL per placed job: \`pg_wal_lsn_diff\` over the run divided by the jobs placed (it includes the sweeps' and the lock's share). On disk after the run: the placement record ${fmt((first?.recordBytes ?? 0) / 1024, 2)} KiB per job (\`pg_column_size\`, after TOAST compression), the \`placed\` event row ${fmt(first?.eventBytes ?? 0, 0)} B.`,
    `- Setup per run (two multi-row \`INSERT … SELECT FROM unnest(…)\`): ${tick.runs.map((r) => `${fmt(r.nodes, 0)} nodes + jobs in ${ms(r.setupMs)}`).join(", ")}.`,
    ...tick.runs.filter((r) => r.firstError).map((r) => `- Rolled-back ticks at ${fmt(r.nodes, 0)} nodes: ${r.failedTicks} of ${r.ticks} ("${r.firstError}").`),
  ].join("\n");
}
