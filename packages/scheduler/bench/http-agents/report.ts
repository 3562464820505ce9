// The HTTP dispatch bench's results as Markdown: one table of dispatch latency and load per phase,
// one of the API's latency per route, and the notes that say what was measured and on what.
import os from "node:os";
import { fmt, summarize, table } from "../stats.ts";
import type { TStatementTime, TStatementTotals } from "./pg-statements.ts";
import type { TRecords } from "./recorder.ts";

export type TPhaseResult = {
  name: string;
  offeredPerS: number;
  windowS: number;
  scheduled: number;
  accepted: number;
  failedSubmits: number;
  notSent: number;
  claimed: number;
  succeeded: number;
  /** POST sent → the agent's claim answer arrived, ms. */
  submitToClaimMs: number[];
  /** 201 received → claim answer arrived (negative when the claim came first), ms. */
  answerToClaimMs: number[];
  /** From the job's own events (the database's clock): created → placed, placed → claimed, ms. */
  createdToPlacedMs: number[];
  /** created → the start of the tick that placed it (Job.placedAt), and from there → the claimed event. */
  createdToTickMs: number[];
  tickToClaimedMs: number[];
  /** Ticks that placed this phase's jobs, and the time between their starts, ms. */
  ticks: number;
  tickGapMs: number[];
  placedToClaimedMs: number[];
  records: TRecords;
  /** `sessions`: connections Postgres accepted in the window (pg_stat_database.sessions); `walFlushes`: WAL fsyncs (pg_stat_io). Both absent in reports before session 12. */
  pg: { cpuS: number | null; walBytes: number; commits: number; sessions?: number; walFlushes?: number; wallS: number };
  /** CPU seconds per second of wall time, by process (web replicas, scheduler, simulator workers). */
  cpu: Record<string, number>;
  simLoopDelayP99Ms: number;
  /** With --pg-statements: where Postgres's time went in the phase, by statement. */
  statements?: TStatementTime[];
  statementsAll?: TStatementTotals;
};

export type TRunInfo = {
  command: string;
  machine: string[];
  agents: number;
  agentProcs: number;
  webReplicas: number;
  workMs: number;
  /** When agents report a job's start; 0 = at once (agents before e5c293e). */
  startDelayMs: number;
  startedAt: string;
  elapsedS: number;
  commit: string;
  notes: string[];
};

const ms = (xs: number[]) => summarize(xs);

export function renderReport(info: TRunInfo, phases: TPhaseResult[]): string {
  const dispatchRows = phases.filter((p) => p.offeredPerS).map((p) => {
    const s = ms(p.submitToClaimMs);
    const wait = ms(p.createdToTickMs);
    const run = ms(p.tickToClaimedMs);
    const post = ms(p.records.ms["POST /api/v1/jobs"] ?? []);
    return [
      p.name,
      fmt(p.offeredPerS, 0),
      fmt(p.accepted / p.windowS, 1),
      `${p.claimed}/${p.accepted}`,
      fmt(s.p50),
      fmt(s.p90),
      fmt(s.p99),
      fmt(s.max),
      `${fmt(post.p50)} / ${fmt(post.p99)}`,
      `${fmt(wait.p50)} / ${fmt(wait.p99)}`,
      `${fmt(run.p50)} / ${fmt(run.p99)}`,
    ];
  });
  const tickRows = phases.filter((p) => p.offeredPerS).map((p) => {
    const g = ms(p.tickGapMs);
    return [p.name, String(p.ticks), fmt(p.accepted / Math.max(1, p.ticks), 1), `${fmt(g.p50)} / ${fmt(g.p90)} / ${fmt(g.p99)}`];
  });
  const loadRows = phases.map((p) => {
    const errors = Object.values(p.records.errors).reduce((a, b) => a + b, 0) + p.failedSubmits;
    const web = Object.entries(p.cpu).filter(([k]) => k.startsWith("web")).map(([, v]) => v);
    return [
      p.name,
      p.pg.cpuS === null ? "–" : fmt(p.pg.cpuS / p.pg.wallS, 2),
      `${fmt(p.pg.walBytes / p.pg.wallS / 2 ** 20, 2)} MiB/s`,
      fmt(p.pg.commits / p.pg.wallS, 0),
      p.pg.walFlushes === undefined ? "–" : fmt(p.pg.walFlushes / p.pg.wallS, 0),
      p.pg.sessions === undefined ? "–" : fmt(p.pg.sessions / p.pg.wallS, 1),
      web.length ? `${fmt(web.reduce((a, b) => a + b, 0), 2)}${web.length > 1 ? ` (${web.map((v) => fmt(v, 2)).join(" + ")})` : ""}` : "–",
      fmt(p.cpu.scheduler ?? Number.NaN, 2),
      fmt(p.cpu.simulator ?? Number.NaN, 2),
      fmt(p.cpu.submitter ?? Number.NaN, 2),
      fmt(p.cpu.host ?? Number.NaN, 2),
      fmt(p.simLoopDelayP99Ms, 1),
      fmt(Object.values(p.records.ms).reduce((n, v) => n + v.length, 0) / p.windowS, 0),
      // Web CPU per answered request (long-polls that returned included), ms: what sizes the replicas.
      web.length ? fmt((web.reduce((a, b) => a + b, 0) * 1_000) / Math.max(1, Object.values(p.records.ms).reduce((n, v) => n + v.length, 0) / p.windowS), 2) : "–",
      fmt(ms(Object.entries(p.records.ms).flatMap(([r, v]) => (r === "POST claim" || r === "POST register" ? [] : v))).p99),
      String(errors),
    ];
  });
  const routes = [...new Set(phases.flatMap((p) => Object.keys(p.records.ms)))].filter((r) => r !== "POST claim" && r !== "POST register").sort();
  const routeRows = phases.flatMap((p) =>
    routes.flatMap((r) => {
      const v = p.records.ms[r];
      if (!v?.length) return [];
      const s = ms(v);
      return [[p.name, r, fmt(v.length / p.windowS, 1), fmt(s.p50), fmt(s.p90), fmt(s.p99), fmt(s.max)]];
    }),
  );
  const errorLines = phases.flatMap((p) => [
    ...Object.entries(p.records.errors).map(([k, n]) => `- ${p.name}: ${k} × ${n}`),
    ...(p.failedSubmits ? [`- ${p.name}: uploads that failed × ${p.failedSubmits}`] : []),
    ...(p.notSent ? [`- ${p.name}: uploads not sent (submitter at its in-flight cap) × ${p.notSent}`] : []),
    ...(p.offeredPerS && p.claimed < p.accepted ? [`- ${p.name}: ${p.accepted - p.claimed} accepted jobs not claimed by the end of the drain wait`] : []),
  ]);
  return [
    "# Dispatch over HTTP: SIMULATED agents against the real control plane (issue 14)",
    "",
    `Generated by \`${info.command}\` on ${info.startedAt.slice(0, 16).replace("T", " ")} UTC${info.commit}; the run took ${fmt(info.elapsedS, 0)} s.`,
    "",
    `${info.agents} SIMULATED agents (no GPU, no OCR: each \"works\" ${info.workMs} ms per job by sleeping) in ${info.agentProcs} Node process(es), speaking the real agent protocol over HTTP to ${info.webReplicas} replica(s) of the real control plane (the production Next.js build), with the real scheduler process and an embedded Postgres, all on this one machine.`,
    "",
    "## Dispatch: submit → the agent's claim",
    "",
    table(["phase", "offered jobs/s", "accepted jobs/s", "claimed", "submit → claim p50 ms", "p90 ms", "p99 ms", "max ms", "POST /api/v1/jobs round trip p50 / p99 ms", "created → its tick starts p50 / p99 ms", "tick start → claimed p50 / p99 ms"], dispatchRows),
    "",
    "\"created → its tick starts\" is waiting for a scheduler tick (the loop's wake-up, or the tick before it still running); \"tick start → claimed\" is the tick's own work (lock, sweeps, reading the queue and the fleet, deciding, writing, committing), the placement's NOTIFY, the long-poll's wake-up and the claim statement. A tick's start is the job's `placedAt` (the scheduler's clock), the others are event times (Postgres's clock), on one machine.",
    "",
    table(["phase", "ticks that placed these jobs", "jobs per tick", "between tick starts p50 / p90 / p99 ms"], tickRows),
    "",
    "## Load",
    "",
    table(["phase", "Postgres CPU (cores)", "WAL", "commits/s", "WAL flushes/s", "connections opened/s", "web CPU (cores)", "scheduler CPU (cores)", "simulator CPU (cores)", "submitter CPU (cores)", `whole host busy (cores of ${os.cpus().length})`, "simulator event-loop delay p99 ms", "API requests/s", "web CPU ms per request", "API p99 ms (all routes but claim)", "errors"], loadRows),
    "",
    "## API latency by route (client side, whole answer read)",
    "",
    table(["phase", "route", "requests/s", "p50 ms", "p90 ms", "p99 ms", "max ms"], routeRows),
    "",
    "Errors:",
    "",
    ...(errorLines.length ? errorLines : ["- none"]),
    "",
    ...statementSection(phases),
    "## What was measured, and how",
    "",
    `- Submit → claim: from the moment the submitter sends \`POST /api/v1/jobs\` to the moment the agent that claimed the job has read the \`POST /api/agent/v1/claim\` answer naming it (both clocks are this machine's, in different processes). It includes the upload itself (checks, storage, the job row, NOTIFY), the scheduler's wake-up and tick, the placement's NOTIFY and the long-poll's wake-up and claim.`,
    `- Offered load is open loop: uploads start on schedule whether or not earlier ones have answered. After each phase's window the bench waits for the phase's jobs to be claimed (the drain), which counts toward the latencies but not toward the rates or the load figures.`,
    `- Each agent heartbeats every 2 s, sends one memory sample in each heartbeat while idle (\`sampleAt\`; through the outbox instead when the control plane does not keep it, as an older one does not) and one per 250 ms while a job runs, through an outbox flushed every second and after each job; the completion carries the samples held (\`samples\`, kept by a control plane that says so), long-polls claims for 20 s, and for each job takes its file from the claim's answer (or fetches it from a control plane that does not send it), ${info.startDelayMs === 0 ? "reports its start at once" : `reports its start once it has run ${info.startDelayMs} ms (or carries it in the completion)`}, waits ${info.workMs} ms and completes it with a one-page empty result: the shipped agent's rates and calls (apps/gpu-node/src/agent.ts), without the OCR. Agents register with maxConcurrent 1, the shipped default.`,
    "- Load figures cover the phase's window only. Postgres CPU: user + system time of this run's Postgres (the postmaster, the children it has reaped, and its live backends, from /proc) per second of wall time (1.00 = one core busy). WAL: `pg_current_wal_insert_lsn` difference. Commits: `pg_stat_database.xact_commit` difference (all transactions, reads included); WAL flushes: `pg_stat_io`'s WAL fsyncs (by the connections and by the WAL writer; a durable commit waits for one, or shares one); connections opened: `pg_stat_database.sessions` difference (each a backend forked, its prepared statements made again). Web, scheduler, simulator and submitter CPU from /proc and `process.cpuUsage`; the whole host's from /proc/stat (every process on it, the bench's own included).",
    "- API latency is measured by the callers (agents and submitter), per route, for answers with a 2xx status. The claim long-poll is left out (its time is the wait).",
    ...info.notes.map((n) => `- ${n}`),
    `- Machine: ${info.machine.join("; ")}.`,
    "",
  ].join("\n");
}

/** With --pg-statements: each phase's statements by Postgres time (planning and execution), the phase's window only. */
function statementSection(phases: TPhaseResult[]): string[] {
  if (!phases.some((p) => p.statements?.length)) return [];
  return [
    "## Postgres time by statement (pg_stat_statements)",
    "",
    "Planning plus execution as the server timed them, in the phase's window; commits and the protocol around each statement are not in them. Per second of the window, so 1,000 ms/s is one backend busy all the time.",
    "",
    ...phases.flatMap((p) => [
      `### ${p.name}`,
      "",
      ...(p.statementsAll && p.pg.cpuS !== null
        ? [
            `All statements: ${fmt(p.statementsAll.calls / p.windowS, 0)} calls/s, ${fmt(p.statementsAll.totalMs / p.windowS, 0)} ms/s of planning and execution, against ${fmt((p.pg.cpuS / p.pg.wallS) * 1_000, 0)} ms/s of Postgres's CPU; the rest is each statement's protocol, binding and commit, connections opened and closed, and the server's own processes (postgres.log names each autovacuum).`,
            "",
          ]
        : []),
      table(
        ["ms/s", "calls/s", "mean ms", "rows/call", "statement"],
        (p.statements ?? []).map((st) => [fmt(st.totalMs / p.windowS, 1), fmt(st.calls / p.windowS, 1), fmt(st.meanMs, 3), fmt(st.rows / Math.max(1, st.calls), 1), `\`${st.query.slice(0, 160).replace(/\|/g, "\\|")}\``]),
      ),
      "",
    ]),
  ];
}
