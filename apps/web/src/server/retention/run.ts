// One retention pass: roll up old raw samples, delete old buckets, expire old files, remove stored
// files no job refers to (orphans.ts), each in batches. Every batch is its own short transaction that first takes a transaction-scoped advisory
// lock, the same guard the scheduler's tick uses, so with several control-plane replicas only one
// works at a time; a replica that finds the lock taken stops its pass and tries at its next one.
// Its own key rather than the placement lock's: a retention batch must never make a tick skip.
import type { PrismaClient, Prisma } from "@headroom/db";
import type { UploadStore } from "../jobs/storage";
import { expireFilesBatch } from "./files";
import { candidateBatches, ORPHAN_GRACE_MS, removeOrphansBatch } from "./orphans";
import { deleteOldMinutesBatch, rollUpSamplesBatch } from "./rollup";
import { getRetention } from "./settings";

export const RETENTION_LOCK_KEY = 0x4e4145; // arbitrary, fixed; next to the tick's 0x4e4144
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

export type TRetentionOptions = {
  now?: Date;
  /** Raw samples per rollup batch; 1-minute buckets per delete batch. */
  batchRows?: number;
  /** Jobs per file-expiry batch: each is a store removal, so fewer than rows. */
  batchJobs?: number;
  /** Batches per phase in one pass; what is left waits for the next pass. */
  maxBatches?: number;
  /** Stored files checked against the jobs per orphan batch (one query each). */
  batchKeys?: number;
  /** How old a file no job names must be to go; ORPHAN_GRACE_MS unless the upload limit is longer. */
  orphanGraceMs?: number;
};

export type TRetentionResult = { locked: boolean; samplesRolledUp: number; minutesWritten: number; minutesDeleted: number; filesExpired: number; orphansRemoved: number };

/** Runs `batch` under the retention lock; null when another replica holds it. */
async function locked<T>(db: PrismaClient, batch: (tx: Prisma.TransactionClient) => Promise<T>): Promise<T | null> {
  return db.$transaction(
    async (tx) => {
      const [lock] = await tx.$queryRaw<{ ok: boolean }[]>`SELECT pg_try_advisory_xact_lock(${RETENTION_LOCK_KEY}) AS ok`;
      return lock?.ok ? batch(tx) : null;
    },
    { timeout: 60_000 },
  );
}

export async function runRetention(db: PrismaClient, store: Pick<UploadStore, "remove" | "storedBefore">, opts: TRetentionOptions = {}): Promise<TRetentionResult> {
  const now = opts.now ?? new Date();
  const batchRows = opts.batchRows ?? 5_000;
  const batchJobs = opts.batchJobs ?? 100;
  const maxBatches = opts.maxBatches ?? 200;
  const settings = await getRetention(db);
  const out: TRetentionResult = { locked: true, samplesRolledUp: 0, minutesWritten: 0, minutesDeleted: 0, filesExpired: 0, orphansRemoved: 0 };

  const rawBefore = new Date(now.getTime() - settings.rawSampleHours * HOUR_MS);
  for (let i = 0; i < maxBatches; i++) {
    const r = await locked(db, (tx) => rollUpSamplesBatch(tx, rawBefore, batchRows));
    if (!r) return { ...out, locked: false };
    out.samplesRolledUp += r.rows;
    out.minutesWritten += r.minutes;
    if (r.rows < batchRows) break;
  }

  const minutesBefore = new Date(now.getTime() - settings.rollupRetentionDays * DAY_MS);
  for (let i = 0; i < maxBatches; i++) {
    const n = await locked(db, (tx) => deleteOldMinutesBatch(tx, minutesBefore, batchRows));
    if (n === null) return { ...out, locked: false };
    out.minutesDeleted += n;
    if (n < batchRows) break;
  }

  if (settings.fileRetentionDays !== null) {
    const filesBefore = new Date(now.getTime() - settings.fileRetentionDays * DAY_MS);
    for (let i = 0; i < maxBatches; i++) {
      const n = await locked(db, (tx) => expireFilesBatch(tx, store, filesBefore, batchJobs, now));
      if (n === null) return { ...out, locked: false };
      out.filesExpired += n;
      if (n < batchJobs) break;
    }
  }

  const orphans = await sweepOrphans(db, store, new Date(now.getTime() - (opts.orphanGraceMs ?? ORPHAN_GRACE_MS)), opts.batchKeys ?? 500, maxBatches);
  if (orphans === null) return { ...out, locked: false };
  out.orphansRemoved = orphans.length;
  return out;
}

/**
 * Removes stored files from before `before` that no job refers to, a batch per transaction under the
 * retention lock; returns their keys, or null when another replica holds the lock. The chaos
 * campaign calls it with `before` = now once every replica is stopped.
 */
export async function sweepOrphans(db: PrismaClient, store: Pick<UploadStore, "remove" | "storedBefore">, before: Date, batchKeys = 500, maxBatches = 200): Promise<string[] | null> {
  const removed: string[] = [];
  let batches = 0;
  for await (const keys of candidateBatches(store, before, batchKeys)) {
    const r = await locked(db, (tx) => removeOrphansBatch(tx, store, keys));
    if (r === null) return null;
    removed.push(...r);
    if (++batches >= maxBatches) break;
  }
  return removed;
}
