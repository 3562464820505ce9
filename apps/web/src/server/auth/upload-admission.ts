// Whether POST /api/v1/jobs takes an upload at all, decided before its body is read: an API key
// may submit at most so many requests a minute (a runaway client gets 429 with Retry-After rather
// than filling the queue), and nobody may submit while the queue is deeper than the configured
// depth (503 QUEUE_FULL with Retry-After: back-pressure that a client can see and wait out).
import type { PrismaClient } from "@headroom/db";
import { RetryLaterError } from "../http";
import type { TPrincipal } from "./principal";
import { PgTokenBucketLimiter } from "./rate-limit";

export type TUploadLimits = {
  /** Upload requests per API key per minute, as a bucket refilling over a minute (HEADROOM_UPLOADS_PER_MINUTE). */
  perKeyPerMinute: number;
  /** Jobs waiting in the queue past which uploads are refused (HEADROOM_MAX_QUEUED_JOBS). */
  maxQueuedJobs: number;
};

/** When to come back after QUEUE_FULL, in ms: long enough for agents to drain some, short enough to keep a client's batch moving. */
export const QUEUE_FULL_RETRY_MS = 10_000;

// One limiter per configured rate (in practice one per process); the buckets themselves live in Postgres.
const limiters = new Map<number, PgTokenBucketLimiter>();
function limiterFor(perMinute: number): PgTokenBucketLimiter {
  let l = limiters.get(perMinute);
  if (!l) limiters.set(perMinute, (l = new PgTokenBucketLimiter(`upload:${perMinute}`, { capacity: perMinute, refillMs: 60_000 })));
  return l;
}

/** Throws RetryLaterError RATE_LIMITED (429) or QUEUE_FULL (503); returns when the upload may be read. */
export async function admitUpload(db: PrismaClient, principal: TPrincipal, limits: TUploadLimits, now: Date = new Date()): Promise<void> {
  // Signed-in people upload through the UI by hand; keys are what scripts and runaway loops use.
  if (principal.kind === "apiKey") {
    const decision = await limiterFor(limits.perKeyPerMinute).take(db, principal.id, now);
    if (!decision.ok) {
      throw new RetryLaterError("RATE_LIMITED", `This API key may submit ${limits.perKeyPerMinute} uploads a minute; try again in ${Math.ceil(decision.retryAfterMs / 1000)} s`, decision.retryAfterMs);
    }
  }
  const queued = await queuedJobs(db, limits.maxQueuedJobs, now.getTime());
  if (queued >= limits.maxQueuedJobs) {
    throw new RetryLaterError("QUEUE_FULL", `${queued} jobs are waiting, the most this server queues is ${limits.maxQueuedJobs}; try again later`, QUEUE_FULL_RETRY_MS);
  }
}

/**
 * A queue count this recent (ms) is used again while it is under REUSE_BELOW of the limit. At 1,000
 * uploads a second each count was a statement of its own, reading up to the whole queue's index (1.2
 * ms each with 5,000 queued, 0.6 of Postgres's cores on the 16-core host); far from the limit, a
 * quarter-second-old count cannot let the replicas past it (that would take a tenth of the limit in
 * uploads within the quarter second: 4,000 a second at the default 10,000), and near or at the limit
 * every upload takes a fresh count (or the one in flight when it arrives), so a queue that drains is
 * seen at once.
 */
export const QUEUE_COUNT_REUSE_MS = 250;
const REUSE_BELOW = 0.9;
type TQueueCount = { queued: number; atMs: number };
const counts = new WeakMap<PrismaClient, { last?: TQueueCount; pending?: Promise<TQueueCount> }>();

async function queuedJobs(db: PrismaClient, maxQueuedJobs: number, nowMs: number): Promise<number> {
  const s = counts.get(db) ?? {};
  counts.set(db, s);
  const { last } = s;
  if (last && nowMs >= last.atMs && nowMs - last.atMs < QUEUE_COUNT_REUSE_MS && last.queued < maxQueuedJobs * REUSE_BELOW) return last.queued;
  // One count at a time per replica: uploads that arrive while it runs take its answer, which is
  // as fresh as any they could start. Without this, once Postgres slowed under load every upload
  // in a count's round trip sent its own (691 counts a second at 787 uploads a second on the
  // 16-core host, 0.9 of Postgres's cores), and at the limit every refused upload counted.
  s.pending ??= db.job
    .count({ where: { status: "QUEUED" } }) // served by the (status, priority, createdAt) index
    .then((queued) => (s.last = { queued, atMs: nowMs }))
    .finally(() => (s.pending = undefined));
  return (await s.pending).queued;
}
