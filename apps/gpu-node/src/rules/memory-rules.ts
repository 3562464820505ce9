// The memory rules of the original single-GPU service, as pure decisions over one reading and the
// thresholds in force. The agent acts on them; the control plane may show the same reasons. The
// arithmetic itself (usage %, admission's two limits) is @headroom/policy's memory.ts, which
// placement and reclaim use too.
import { admissionFailure, usageAbove, usagePct, type TMemoryReadingMiB } from "@headroom/policy";
import type { TReclaim, TThresholds } from "@headroom/protocol";

/** The part of a memory reading the rules look at, in MiB. */
export type TRuleReading = TMemoryReadingMiB;

export type TDecision = { ok: true } | { ok: false; reason: string };

const pct = (n: number) => `${n.toFixed(1)} %`;

/**
 * May a job start on this reading? Refuse when usage is above the max or free memory is below the
 * floor. `pendingMiB` is what jobs already in flight on the device (other runner slots) may still
 * grow: it counts as used, since a reading taken while they start says nothing of their peaks.
 */
export function admit(r: TRuleReading, t: TThresholds, pendingMiB = 0): TDecision {
  const pending = Math.max(0, pendingMiB);
  const seen = { ...r, usedMiB: r.usedMiB + pending, freeMiB: r.freeMiB - pending };
  const withPending = pending > 0 ? ` (counting ${pending} MiB that the jobs in flight may still grow)` : "";
  const failure = admissionFailure(seen, t);
  if (failure === "usage") {
    return { ok: false, reason: `usage ${pct(usagePct(seen))} is above the admission limit of ${pct(t.admissionMaxUsagePct)}${withPending}` };
  }
  if (failure === "free") {
    return { ok: false, reason: `free memory ${seen.freeMiB} MiB is below the admission floor of ${t.admissionMinFreeMiB} MiB${withPending}` };
  }
  return { ok: true };
}

/** Jobs' growth remembered for `pendingGrowthMiB`: enough to see every kind of page a few times. */
export const GROWTH_HISTORY = 20;

/**
 * What the other jobs in flight on the device may still grow, for a slot's admission: each counts
 * the largest growth (peak − before) of the agent's recent jobs. Conservative on purpose: with
 * three slots under a 2,560 MiB budget, three jobs admitted at once at 2,030 MiB grew together past
 * the cap (run 13, docs/gpu-runs.md). Nothing remembered yet means nothing counted.
 */
export function pendingGrowthMiB(othersInFlight: number, recentGrowthMiB: readonly number[]): number {
  if (othersInFlight <= 0 || recentGrowthMiB.length === 0) return 0;
  return othersInFlight * Math.max(0, ...recentGrowthMiB);
}

/** After a job: clean up when usage is above cleanupAbovePct. */
export function shouldCleanupAfterJob(r: TRuleReading, t: TThresholds): boolean {
  return usageAbove(r, t.cleanupAbovePct);
}

/**
 * The images counted towards the batch rule: the batch they belong to (null for a job outside any
 * multi-file upload, which is a batch of its own) and how many images of it since the last cleanup.
 */
export type TBatchCount = { batchId: string | null; images: number };
export const NO_BATCH: TBatchCount = { batchId: null, images: 0 };

/**
 * Count a finished job's images into the current batch. A batch is one multi-page job (its pages are
 * its images) or consecutive jobs of one multi-file upload (same batchId). A job from any other batch,
 * or from none, starts a new count with its own pages.
 */
export function countBatchImages(current: TBatchCount, job: { batchId: string | null; pages: number }): TBatchCount {
  const sameBatch = job.batchId !== null && job.batchId === current.batchId;
  return { batchId: job.batchId, images: (sameBatch ? current.images : 0) + Math.max(1, job.pages) };
}

/** After a cleanup the batch goes on, counting from zero. */
export function afterCleanup(current: TBatchCount): TBatchCount {
  return { batchId: current.batchId, images: 0 };
}

/**
 * Every batchCleanupEvery images of a batch since the last cleanup, clean up regardless of usage.
 * A multi-page job cannot be cleaned up between its pages without losing the resident model mid-job,
 * so one with batchCleanupEvery pages or more is cleaned up after it.
 */
export function shouldBatchCleanup(imagesInBatch: number, t: TThresholds): boolean {
  return imagesInBatch >= t.batchCleanupEvery;
}

/** The periodic sweep: once sweepIntervalS has passed since the last one, and only when usage is above sweepAbovePct. */
export function shouldSweep(r: TRuleReading, t: TThresholds, msSinceLastSweep: number): boolean {
  return msSinceLastSweep >= t.sweepIntervalS * 1000 && usageAbove(r, t.sweepAbovePct);
}

/** Is the device above its memory cap (memoryCapPct of total)? */
export function overCap(r: TRuleReading, t: TThresholds): boolean {
  return usageAbove(r, t.memoryCapPct);
}

/**
 * A reclaim never follows another cleanup within this many ms: longer than one heartbeat (2 s), so a
 * request computed from the reading before the last recycle cannot recycle the fresh runner again.
 * Under a budget where each job needs a recycle, this interval is the node's idle time per job: 10 s
 * gave 1.09 pages/s on 4×H200 at 1,280 MiB, 3 s gave 1.65, with 0 out of memory in both (docs/gpu-runs.md).
 */
export const RECLAIM_MIN_INTERVAL_MS = 3_000;

export type TReclaimState = { busy: boolean; cleaning: boolean; msSinceLastCleanup: number };

/**
 * The control plane asked for memory back because a queued job waits for headroom this node could
 * free (its heartbeat answer's `reclaim`). Recycle only when idle: no job here, no cleanup under way,
 * and none in the last minIntervalMs, so a stale or repeated request cannot make the runner thrash.
 */
export function shouldReclaim(reclaim: TReclaim | null | undefined, s: TReclaimState, minIntervalMs = RECLAIM_MIN_INTERVAL_MS): boolean {
  if (!reclaim) return false;
  return !s.busy && !s.cleaning && s.msSinceLastCleanup >= minIntervalMs;
}
