// Head-of-line hold: a bounded reservation that keeps a large job from starving behind small ones.
//
// Placement looks at the queue in priority and age order, but a job that fits no node is passed
// over, and every smaller job behind it that fits takes the headroom the big one waits for: on a
// busy fleet a node never frees enough at once, and the big job waits for ever. So when the job at
// the head of the queue (the first that fits nowhere for lack of memory) has waited `afterMs`, one
// node is held for it: the tick places nothing else there, its jobs in flight finish, and its
// headroom grows until the held job fits. The hold is bounded: one node at a time, and only until
// the job has waited `afterMs + forMs` (a prediction that is wrong, or a node that never frees,
// must not cost a node for ever). Pure: figures in, a node (or none) and the reason out.

export type THoldPolicy = {
  /** The oldest waiting job gets a hold once it has waited this long since it was submitted (ms). */
  afterMs: number;
  /** ...and keeps it at most this long after that (ms); then it waits like any other job. */
  forMs: number;
};

/** 1 minute of waiting, then at most 10 minutes of one node's capacity. */
export const DEFAULT_HOLD_POLICY: THoldPolicy = { afterMs: 60_000, forMs: 600_000 };

/** An online, undrained node the job has not failed on, as the fleet index sees it now. */
export type THoldCandidate = {
  nodeId: string;
  /** What the job's predicted peak is on this node's model and provider (MiB). */
  peakMiB: number;
  headroomMiB: number;
  reservedMiB: number;
  inFlight: number;
  /** Whether the job would pass this node's admission rules once its jobs in flight have finished. */
  fitsWhenIdle: boolean;
};

export type THoldDecision = { nodeId: string; reason: string } | { nodeId: null; reason: string };

export function chooseHold(waitedMs: number, candidates: readonly THoldCandidate[], policy: THoldPolicy = DEFAULT_HOLD_POLICY): THoldDecision {
  if (waitedMs < policy.afterMs) return { nodeId: null, reason: "has not waited long enough for a hold" };
  if (waitedMs >= policy.afterMs + policy.forMs) return { nodeId: null, reason: "held long enough; waits like any other job" };
  // A node whose jobs in flight, once finished, leave room for the job: what they reserved comes back
  // (their measured use is in usedMiB, counted again in reservedMiB, so this is the cautious side).
  const able = candidates.filter((c) => c.fitsWhenIdle && c.headroomMiB + c.reservedMiB >= c.peakMiB);
  if (able.length === 0) return { nodeId: null, reason: "no node would fit it even when idle" };
  // Closest to fitting first (least missing), then fewer jobs to wait for, then id: deterministic.
  const missing = (c: THoldCandidate) => c.peakMiB - c.headroomMiB;
  const best = able.reduce((a, b) => (missing(b) < missing(a) || (missing(b) === missing(a) && (b.inFlight < a.inFlight || (b.inFlight === a.inFlight && b.nodeId < a.nodeId))) ? b : a));
  return { nodeId: best.nodeId, reason: `node held for it: nothing else is placed there until ${missing(best)} MiB more is free` };
}
