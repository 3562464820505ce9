// One assignment, start to finish: its file (from the claim, or fetched), admission on the live
// reading, run in the runner while sampling memory, report. Cleanup afterwards is the agent's (it
// also owns the sweep timer).
import { DEFAULT_START_REPORT_DELAY_MS, type TAssignment, type TJobErrorCode, type TMemoryReading, type TThresholds } from "@headroom/protocol";
import type { Logger } from "pino";
import { isLeaseLost, type ControlClient } from "../control-client.ts";
import { admit, overCap } from "../rules/memory-rules.ts";
import { deliver } from "./deliver.ts";
import { RunnerError, type Runner } from "../runner/runner.ts";
import type { MemoryReader } from "../telemetry/index.ts";
import { MemorySampler } from "./memory-sampler.ts";
import { StartReport } from "./start-report.ts";
import type { Outbox } from "./outbox.ts";

export type TJobContext = {
  client: ControlClient;
  runner: Runner;
  memory: MemoryReader;
  outbox: Outbox;
  thresholds: () => TThresholds;
  /** The last good reading (heartbeat), for reporting when a fresh one cannot be taken. */
  lastReading: () => TMemoryReading | null;
  log: Logger;
  /** Called once the job runs (reported started, its memory sampled); an agent with several slots tracks it for the cap. */
  onRunning?: () => void;
  /**
   * Called when this job's samples saw the device cross the cap, after the job aborted itself. The
   * reading is the device's, so with several jobs in flight the agent cannot tell whose runner grew
   * and aborts every running job on the device (agent.ts).
   */
  onOverCap?: (reason: string) => void;
  /** MiB the device's other jobs in flight may still grow (agent.ts, several slots); admission counts them as used. */
  pendingGrowthMiB?: () => number;
  /** How long a report or the file fetch is retried while the control plane is unavailable (deliver.ts's default when unset). */
  deliverGiveUpMs?: number;
  /** A job's start is reported once it has run this long (start-report.ts); 0 = at once. */
  startReportDelayMs?: number;
};

export type TJobOutcome =
  | { kind: "completed"; after: TMemoryReading; growthMiB: number }
  | { kind: "failed"; code: TJobErrorCode; after: TMemoryReading | null }
  | { kind: "refused"; reason: string }
  | { kind: "dropped"; why: string };

/** Why a running job was stopped from the agent's side; the abort reason carries one. */
export class JobAbort extends Error {
  constructor(
    readonly why: "revoked" | "over_cap" | "shutdown",
    message: string,
  ) {
    super(message);
  }
}

export async function runAssignment(ctx: TJobContext, a: TAssignment, abort: AbortController): Promise<TJobOutcome> {
  const log = ctx.log.child({ jobId: a.jobId, attempt: a.attempt });
  const { client, outbox } = ctx;
  // Reports go on through a cap abort (the job still has to say it failed), not past a revocation or shutdown.
  const stopped = () => abort.signal.aborted && !(abort.signal.reason instanceof JobAbort && abort.signal.reason.why === "over_cap");
  const send = <T>(what: string, call: () => Promise<T>): Promise<T> => deliver(call, { what, log, stopped, signal: abort.signal, giveUpAfterMs: ctx.deliverGiveUpMs });
  const drop = (why: string): TJobOutcome => {
    log.info({ why }, "job dropped: no longer ours");
    return { kind: "dropped", why };
  };
  // Set once admission passed and the job runs: its start rides the job's last report unless reported.
  let start: StartReport | null = null;
  const fail = async (code: TJobErrorCode, message: string, memory: { beforeMiB: number; afterMiB: number; peakMiB: number } | null, after: TMemoryReading | null): Promise<TJobOutcome> => {
    try {
      await start?.settle();
      await send("fail", () => client.fail(a.jobId, { attempt: a.attempt, code, message: message.slice(0, 2000), memory, ...start?.carried() }));
    } catch (err) {
      if (isLeaseLost(err)) return drop("lease lost at fail");
      // Unreported, the lease expires and the control plane requeues the job: nothing is lost.
      log.warn({ err }, "could not report the failure");
    }
    log.warn({ code, message }, "job failed");
    return { kind: "failed", code, after };
  };

  let bytes: Buffer;
  try {
    bytes = claimedBytes(a) ?? (await send("file", () => client.fetchFile(a.filePath, abort.signal)));
  } catch (err) {
    if (isLeaseLost(err)) return drop("file gone");
    if (abort.signal.aborted) return drop(String(abort.signal.reason));
    return fail("INTERNAL", `could not fetch the job's file: ${(err as Error).message}`, null, null);
  }

  let before: TMemoryReading;
  let decision: ReturnType<typeof admit>;
  const t = ctx.thresholds();
  try {
    before = await ctx.memory.read();
    decision = admit(before, t, ctx.pendingGrowthMiB?.() ?? 0);
  } catch (err) {
    // Admission without a live reading would be a guess; let another node take it.
    const last = ctx.lastReading();
    if (!last) return fail("INTERNAL", `memory reading unavailable: ${(err as Error).message}`, null, null);
    before = last;
    decision = { ok: false, reason: `memory reading unavailable: ${(err as Error).message}` };
  }
  if (!decision.ok) {
    log.info({ reason: decision.reason, usedMiB: before.usedMiB, freeMiB: before.freeMiB }, "job refused by admission");
    // No node event here: the control plane records the refusal in the same transaction that requeues
    // the job (scheduler refuseJob), so each refusal is counted once.
    try {
      await send("refuse", () => client.refuse(a.jobId, { attempt: a.attempt, reason: decision.reason, memory: before }));
    } catch (err) {
      if (!isLeaseLost(err)) log.warn({ err }, "could not report the refusal");
    }
    return { kind: "refused", reason: decision.reason };
  }

  const delayMs = ctx.startReportDelayMs ?? DEFAULT_START_REPORT_DELAY_MS;
  start = new StartReport(
    (startedMsAgo) => send("start", () => client.start(a.jobId, { attempt: a.attempt, memory: before, startedMsAgo })),
    delayMs,
    (err) => {
      if (isLeaseLost(err)) abort.abort(new JobAbort("revoked", "lease lost at start"));
      else log.warn({ err }, "could not report the start; the job's last report carries it");
    },
  );
  if (delayMs === 0) {
    try {
      await start.send();
    } catch (err) {
      if (isLeaseLost(err)) return drop("lease lost at start");
      throw err;
    }
  }
  const started = start;
  // The runner's pid lets an operator (and the fault campaign) find the process serving this job.
  log.info({ fileName: a.fileName, sizeBytes: a.sizeBytes, pages: a.pages, usedMiB: before.usedMiB, runnerPid: ctx.runner.pid }, "job started");
  ctx.onRunning?.();

  // The cap: like PyTorch's per-process memory fraction, a job that pushes the device over
  // memoryCapPct fails with GPU_OOM (retryable elsewhere) before the whole card runs out.
  // Only when this job crossed it: a card already over the cap at start was admitted on purpose.
  const startedOverCap = overCap(before, t);
  const sampler = new MemorySampler(ctx.memory, before, () => ctx.thresholds().sampleIntervalMs, (r) => {
    outbox.sample(r, a.jobId);
    if (!startedOverCap && overCap(r, ctx.thresholds()) && !abort.signal.aborted) {
      const reason = `device memory ${r.usedMiB}/${r.totalMiB} MiB crossed the ${ctx.thresholds().memoryCapPct} % cap during the job`;
      abort.abort(new JobAbort("over_cap", reason));
      ctx.onOverCap?.(reason);
    }
  }).start();
  const t0 = performance.now();
  try {
    const result = await ctx.runner.recognize(bytes, { timeoutMs: t.jobTimeoutS * 1000, signal: abort.signal });
    const { memory, after } = await sampler.stop();
    const durationMs = Math.round(performance.now() - t0);
    // The samples held (this job's last ones among them) ride the completion: no flush of their own.
    // Back to the outbox unless the control plane says it kept them all.
    const samples = outbox.takeSamples();
    let kept = false;
    try {
      await started.settle();
      const res = await send("complete", () => client.complete(a.jobId, { attempt: a.attempt, result, memory, durationMs, samples, ...started.carried() }));
      kept = res.samplesStored === samples.length;
    } catch (err) {
      if (isLeaseLost(err)) return drop("lease lost at complete");
      log.warn({ err }, "could not report the result; the lease will expire and the job will run again");
    } finally {
      if (!kept) outbox.putBack(samples);
    }
    log.info({ durationMs, ...memory, provider: result.provider, chars: result.text.length }, "job completed");
    return { kind: "completed", after, growthMiB: Math.max(0, memory.peakMiB - memory.beforeMiB) };
  } catch (err) {
    const { memory, after } = await sampler.stop();
    started.stop(); // a failure settles it; a revoked or handed-back job sends no report of its start
    const reason: unknown = abort.signal.reason;
    if (reason instanceof JobAbort && reason.why === "revoked") return drop(reason.message);
    if (reason instanceof JobAbort && reason.why === "over_cap") {
      outbox.event("oom", { beforeMiB: memory.beforeMiB, afterMiB: memory.peakMiB, data: { jobId: a.jobId, reason: reason.message, cap: true } });
      return fail("GPU_OOM", reason.message, memory, after);
    }
    if (reason instanceof JobAbort && reason.why === "shutdown") {
      // Handed back, not failed: the job did nothing wrong, so it goes back to the queue without
      // using an attempt (a refusal, as admission sends), and another node takes it at once.
      const reading = after ?? ctx.lastReading();
      try {
        if (reading) await client.refuse(a.jobId, { attempt: a.attempt, reason: reason.message, memory: reading });
      } catch (err) {
        if (!isLeaseLost(err)) log.warn({ err }, "could not hand the job back; deregistering (or its lease) will requeue it");
      }
      log.info({ reason: reason.message }, "job handed back");
      return { kind: "refused", reason: reason.message };
    }
    const code: TJobErrorCode = err instanceof RunnerError && err.code !== "ABORTED" ? err.code : "INTERNAL";
    if (code === "GPU_OOM") outbox.event("oom", { beforeMiB: memory.beforeMiB, afterMiB: memory.peakMiB, data: { jobId: a.jobId, reason: (err as Error).message } });
    return fail(code, (err as Error).message, memory, after);
  }
}

/** The file's bytes when they came with the claim and are whole; otherwise null, and the file is fetched. */
function claimedBytes(a: TAssignment): Buffer | null {
  if (a.fileBase64 === undefined) return null;
  const bytes = Buffer.from(a.fileBase64, "base64");
  return bytes.length === a.sizeBytes ? bytes : null;
}
