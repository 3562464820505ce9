// A token bucket per key, held in Postgres so that every replica of the control plane spends from
// the same bucket (an in-process map would multiply the limit by the replica count, and forget it
// on every restart). Used for sign-in attempts and uploads per API key.
//
// One statement per attempt: an upsert whose conflict branch refills the bucket for the time
// elapsed, spends a token when one is there and records whether it did. The row lock taken by
// ON CONFLICT serialises concurrent attempts on one key across processes; raw SQL because Prisma
// cannot express an arithmetic upsert with a conditional spend.
//
// That lock is held until the statement's commit, and a durable commit waits for the WAL to reach
// the disk: one key's attempts went through one at a time, a WAL flush each. One API key sending
// 1,000 uploads a second was held to about 560 (4.9 ms an attempt, most of it waiting for that
// row; docs/scaling.md, "One hot row"). So the statement commits asynchronously
// (synchronous_commit off for its own transaction only): the lock goes at once, and a crash of
// Postgres may forget the last fraction of a second of spent tokens, which a limit meant to stop
// runaway clients and password guessing can afford.
import { COMMIT_WITHOUT_FLUSH, Prisma, sqlCount, sqlRows, type Db, type PrismaClient } from "@headroom/db";

export type TRateLimitDecision = { ok: true; remaining: number } | { ok: false; retryAfterMs: number };

export type TTokenBucketOptions = {
  /** Most attempts allowed in a burst. */
  capacity: number;
  /** Time for an empty bucket to refill completely, in ms. */
  refillMs: number;
  /** Commit each spend durably, holding the key's row until the WAL flush (the peer in bench/bucket-commit.ts; nothing here needs it). */
  durableCommit?: boolean;
};

/** Rows untouched this long are full again and are deleted, at most once per this interval per process, in ms. */
const PRUNE_EVERY_MS = 60_000;

/** A token counts as whole from here: refills summed in float8 land a hair under 1 (0.8333… + 0.1666…). */
const WHOLE = 1 - 1e-9;

type TRow = { tokens: number; allowed: boolean };

export class PgTokenBucketLimiter {
  private readonly ratePerMs: number;
  private lastPruneMs = 0;

  /** `scope` prefixes every key ("sign-in", "upload"), so limiters with other settings never share a row. */
  constructor(
    private readonly scope: string,
    private readonly opts: TTokenBucketOptions,
  ) {
    if (opts.capacity < 1 || opts.refillMs <= 0) throw new Error("capacity must be ≥ 1 and refillMs > 0");
    this.ratePerMs = opts.capacity / opts.refillMs;
  }

  /**
   * Takes one token for `key` at `now`; refuses (spending nothing) when the bucket holds less than one.
   * `db` is the client, never a transaction: the asynchronous commit would be that transaction's.
   */
  async take(db: PrismaClient, key: string, now: Date = new Date()): Promise<TRateLimitDecision> {
    await this.prune(db, now);
    const { capacity } = this.opts;
    // refilled = min(capacity, tokens + elapsed ms × rate); elapsed is never negative, so clock
    // skew between replicas cannot drain a bucket, and updatedAt never moves backwards.
    const rows = await sqlRows<TRow>(db, Prisma.sql`
      INSERT INTO "RateLimitBucket" AS b ("key", "tokens", "allowed", "updatedAt")
      VALUES (${this.rowKey(key)}, ${capacity - 1}::float8, true, ${now})
      ON CONFLICT ("key") DO UPDATE SET ("tokens", "allowed", "updatedAt") = (
        SELECT CASE WHEN r.refilled >= ${WHOLE} THEN r.refilled - 1 ELSE r.refilled END, r.refilled >= ${WHOLE}, GREATEST(b."updatedAt", EXCLUDED."updatedAt")
        FROM (SELECT LEAST(${capacity}::float8,
          b."tokens" + GREATEST(0, EXTRACT(EPOCH FROM (EXCLUDED."updatedAt" - b."updatedAt")) * 1000) * ${this.ratePerMs}::float8) AS refilled) AS r
      )
      RETURNING "tokens", "allowed"${this.opts.durableCommit ? Prisma.empty : Prisma.sql`, ${COMMIT_WITHOUT_FLUSH}`}`);
    const row = rows[0]!;
    if (row.allowed) return { ok: true, remaining: Math.floor(row.tokens) };
    return { ok: false, retryAfterMs: Math.ceil((1 - row.tokens) / this.ratePerMs) };
  }

  /** Forgets a key, e.g. after a successful sign-in. */
  async reset(db: Db, key: string): Promise<void> {
    await sqlCount(db, Prisma.sql`DELETE FROM "RateLimitBucket" WHERE "key" = ${this.rowKey(key)}`);
  }

  private rowKey(key: string): string {
    return `${this.scope}|${key}`;
  }

  // A bucket idle for a whole refill period is full, the same as no row; dropping those keeps a
  // flood of distinct keys (sprayed emails) from growing the table without bound.
  private async prune(db: Db, now: Date): Promise<void> {
    if (now.getTime() - this.lastPruneMs < PRUNE_EVERY_MS) return;
    this.lastPruneMs = now.getTime();
    const idleBefore = new Date(now.getTime() - this.opts.refillMs);
    await sqlCount(db, Prisma.sql`DELETE FROM "RateLimitBucket" WHERE "key" LIKE ${`${this.scope}|%`} AND "updatedAt" < ${idleBefore}`);
  }
}
