// What every fault injector shares: the context it works in, waiting on the database, and finding
// the runner process that is serving a job right now.
import type { TDocument } from "./documents.ts";
import type { TSubmission } from "./load.ts";
import type { TFault } from "./options.ts";
import type { TInjection } from "./reconcile.ts";
import type { ChaosStack } from "./stack.ts";
import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { TProc } from "../gpu-host/proc-tree.ts";

export type TFaultContext = {
  stack: ChaosStack;
  log: (msg: string) => void;
  docs: readonly TDocument[];
  /** A document that takes tens of seconds on a CPU agent, for the cut-off fault. */
  longDoc: TDocument;
  /** Uploads a fault makes itself are counted like the load's. */
  record: (s: TSubmission) => void;
  /** Jobs a fault already hit: the next injection picks another, so one job is not struck twice. */
  hit: Set<string>;
};

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function injection(fault: TFault, index: number, variant: string, o: Partial<TInjection> = {}): TInjection {
  return { fault, index, variant, at: Date.now(), injected: false, note: "", victimJobId: null, failedChecks: [], ...o };
}

/** Polls `probe` until it returns a value (not null/undefined) or `timeoutMs` passes; database errors count as "not yet". */
export async function waitFor<T>(probe: () => Promise<T | null | undefined>, timeoutMs: number, pollMs = 250): Promise<T | null> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe().catch(() => null);
    if (v !== null && v !== undefined) return v;
    if (Date.now() > deadline) return null;
    await sleep(pollMs);
  }
}

export type TRunningJob = { id: string; attempt: number; node: string };

/**
 * A job that has been running for at least `minMs` on one of `nodes` (every agent when omitted) and
 * that no fault hit yet. Running is counted from the claim of its current attempt: its runner has it
 * a few milliseconds after (the file comes with the claim, then admission's reading), whereas the
 * start the agent reports comes only once the job has run HEADROOM_START_REPORT_DELAY_MS, or never.
 * `startedAfter`: claimed after that moment. Times are Postgres's own, against its clock.
 */
export async function runningJob(ctx: TFaultContext, timeoutMs: number, o: { nodes?: string[]; minMs?: number; startedAfter?: Date } = {}): Promise<TRunningJob | null> {
  return waitFor(async () => {
    const names = o.nodes ?? [...ctx.stack.agents.keys()];
    const sinceMs = o.startedAfter ? Math.max(0, Date.now() - o.startedAfter.getTime()) : null;
    const rows = await ctx.stack.prisma.$queryRaw<TRunningJob[]>`
      SELECT j.id::text AS id, j.attempt, n.name AS node
      FROM "Job" j
      JOIN "Node" n ON n.id = j."nodeId"
      JOIN "JobEvent" e ON e."jobId" = j.id AND e.attempt = j.attempt AND e.type = 'claimed'
      WHERE j.status = 'RUNNING' AND n.name = ANY(${names}::text[])
        AND e."createdAt" <= now() - ${o.minMs ?? 300}::int * interval '1 millisecond'
        AND (${sinceMs}::int IS NULL OR e."createdAt" > now() - ${sinceMs ?? 0}::int * interval '1 millisecond')
      ORDER BY e."createdAt"`;
    return rows.find((r) => !ctx.hit.has(r.id)) ?? null;
  }, timeoutMs, 100);
}

export async function waitTerminal(ctx: TFaultContext, jobId: string, timeoutMs: number): Promise<{ status: string; errorCode: string | null; attempt: number } | null> {
  return waitFor(async () => {
    const j = await ctx.stack.prisma.job.findUnique({ where: { id: jobId }, select: { status: true, errorCode: true, attempt: true } });
    return j && ["SUCCEEDED", "FAILED", "CANCELED"].includes(j.status) ? j : null;
  }, timeoutMs, 250);
}

/** The events of one attempt of a job: type and the error code a failure carried. */
export async function attemptEvents(ctx: TFaultContext, jobId: string, attempt: number): Promise<{ type: string; code: string | null; node: string | null }[]> {
  const rows = await ctx.stack.prisma.jobEvent.findMany({ where: { jobId, attempt }, select: { type: true, data: true, node: { select: { name: true } } }, orderBy: { id: "asc" } });
  return rows.map((r) => ({ type: r.type, code: (r.data as { code?: string } | null)?.code ?? null, node: r.node?.name ?? null }));
}

/**
 * The runner process serving `job`: the pid the agent logged when it started the job ("job started",
 * runnerPid), if that process is still one of the agent's runners. Failing that (an agent from before
 * it logged the pid), the oldest runner: after a start, a recycle or a crash the agent promotes its
 * warm spare and only then starts a new spare, so the serving runner is usually the older one. That
 * guess picked a spare in some runs (a hung-runner try whose job then completed), and a busiest-by-CPU
 * guess picked a spare still loading its model about a third of the time. Null when the agent has no
 * runner.
 */
export async function busyRunner(ctx: TFaultContext, job: TRunningJob): Promise<TProc | null> {
  const runners = ctx.stack.runners(job.node);
  // The agent logs the start after the control plane took it, so the line may trail the job's RUNNING row a little.
  const logged = await waitFor(async () => startedOnPid(path.join(ctx.stack.logs, `${job.node}.log`), job), 5_000, 100);
  const serving = runners.find((p) => p.pid === logged);
  if (serving) return serving;
  let oldest: { p: TProc; startTicks: number } | null = null;
  for (const p of runners) {
    const startTicks = procStartTicks(p.pid);
    if (startTicks !== null && (oldest === null || startTicks < oldest.startTicks)) oldest = { p, startTicks };
  }
  return oldest?.p ?? null;
}

/** The runnerPid of the agent log's "job started" line for this attempt, or null when there is none (yet). */
export async function startedOnPid(logFile: string, job: { id: string; attempt: number }): Promise<number | null> {
  const text = await readFile(logFile, "utf8").catch(() => "");
  // Only lines that name the job are parsed: an agent's log runs to many thousands of lines.
  for (const line of text.split("\n").reverse()) {
    if (!line.includes(job.id) || !line.includes('"job started"')) continue;
    try {
      const e = JSON.parse(line) as { jobId?: string; attempt?: number; runnerPid?: number | null };
      if (e.jobId === job.id && e.attempt === job.attempt && typeof e.runnerPid === "number") return e.runnerPid;
    } catch {
      // a line cut off mid-write
    }
  }
  return null;
}

/** Field 22 of /proc/<pid>/stat: when the process started, in clock ticks since boot. */
function procStartTicks(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19]);
  } catch {
    return null;
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
