// What every fault injector shares: the context it works in, waiting on the database, and finding
// the runner process that is serving a job right now.
import type { TDocument } from "./documents.ts";
import type { TSubmission } from "./load.ts";
import type { TFault } from "./options.ts";
import type { TInjection } from "./reconcile.ts";
import type { ChaosStack } from "./stack.ts";
import { readFileSync } from "node:fs";
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

/** A job that has been running for at least `minMs` on one of `nodes` (every agent when omitted) and that no fault hit yet. */
export async function runningJob(ctx: TFaultContext, timeoutMs: number, o: { nodes?: string[]; minMs?: number; startedAfter?: Date } = {}): Promise<TRunningJob | null> {
  return waitFor(async () => {
    const rows = await ctx.stack.prisma.job.findMany({
      where: { status: "RUNNING", startedAt: { lte: new Date(Date.now() - (o.minMs ?? 300)), ...(o.startedAfter && { gt: o.startedAfter }) }, node: { name: { in: o.nodes ?? [...ctx.stack.agents.keys()] } } },
      select: { id: true, attempt: true, node: { select: { name: true } } },
      orderBy: { startedAt: "asc" },
    });
    const j = rows.find((r) => !ctx.hit.has(r.id) && r.node);
    return j ? { id: j.id, attempt: j.attempt, node: j.node!.name } : null;
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
 * The agent's runner that serves jobs: the oldest of its runner processes. After a start, a
 * recycle or a crash the agent promotes its warm spare and only then starts a new spare, so the
 * serving runner is always the older one; the busiest-by-CPU guess picked a spare still loading its
 * model about a third of the time. Null when the agent has no runner.
 */
export async function busyRunner(ctx: TFaultContext, agent: string): Promise<TProc | null> {
  const runners = ctx.stack.runners(agent);
  let oldest: { p: TProc; startTicks: number } | null = null;
  for (const p of runners) {
    const startTicks = procStartTicks(p.pid);
    if (startTicks !== null && (oldest === null || startTicks < oldest.startTicks)) oldest = { p, startTicks };
  }
  return oldest?.p ?? null;
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
