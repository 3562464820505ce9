// An in-memory token bucket per key. Good enough for sign-in throttling on one replica; with
// several replicas each keeps its own buckets, which only loosens the limit by the replica count.

export type TRateLimitDecision = { ok: true; remaining: number } | { ok: false; retryAfterMs: number };

export type TTokenBucketOptions = {
  /** Most requests allowed in a burst. */
  capacity: number;
  /** Time for an empty bucket to refill completely, in ms. */
  refillMs: number;
  /** Buckets untouched this long are forgotten, in ms (defaults to refillMs: by then they are full). */
  idleMs?: number;
};

type TBucket = { tokens: number; updatedAtMs: number };

export class TokenBucketLimiter {
  private readonly buckets = new Map<string, TBucket>();
  private readonly capacity: number;
  /** Tokens regained per ms. */
  private readonly ratePerMs: number;
  private readonly idleMs: number;
  private lastPruneMs = 0;

  constructor(opts: TTokenBucketOptions) {
    if (opts.capacity < 1 || opts.refillMs <= 0) throw new Error("capacity must be ≥ 1 and refillMs > 0");
    this.capacity = opts.capacity;
    this.ratePerMs = opts.capacity / opts.refillMs;
    this.idleMs = opts.idleMs ?? opts.refillMs;
  }

  /** Takes one token for `key` at time `nowMs`; refuses (without taking) when the bucket is empty. */
  take(key: string, nowMs: number = Date.now()): TRateLimitDecision {
    this.prune(nowMs);
    const bucket = this.buckets.get(key) ?? { tokens: this.capacity, updatedAtMs: nowMs };
    const elapsedMs = Math.max(0, nowMs - bucket.updatedAtMs);
    bucket.tokens = Math.min(this.capacity, bucket.tokens + elapsedMs * this.ratePerMs);
    bucket.updatedAtMs = nowMs;
    this.buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { ok: true, remaining: Math.floor(bucket.tokens) };
    }
    return { ok: false, retryAfterMs: Math.ceil((1 - bucket.tokens) / this.ratePerMs) };
  }

  /** Forgets a key, e.g. after a successful sign-in. */
  reset(key: string): void {
    this.buckets.delete(key);
  }

  /** Number of keys held; for tests. */
  get size(): number {
    return this.buckets.size;
  }

  // At most once per idle period, drop buckets that have been idle long enough to be full again,
  // so a flood of distinct keys cannot grow the map without bound.
  private prune(nowMs: number): void {
    if (nowMs - this.lastPruneMs < this.idleMs) return;
    this.lastPruneMs = nowMs;
    for (const [key, b] of this.buckets) {
      if (nowMs - b.updatedAtMs >= this.idleMs) this.buckets.delete(key);
    }
  }
}
