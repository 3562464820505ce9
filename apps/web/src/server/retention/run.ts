// One retention pass: roll up old raw samples, delete old buckets, expire old files, each in
// batches. Every batch is its own short transaction that first takes a transaction-scoped advisory
// lock, the same guard the scheduler's tick uses, so with several control-plane replicas only one
// works at a time; a replica that finds the lock taken stops its pass and tries at its next one.
// Its own key rather than the placement lock's: a retention batch must never make a tick skip.
import type { PrismaClient, Prisma } from "@headroom/db";
import type { UploadStore } from "../jobs/storage";
import { expireFilesBatch } from "./files";
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
};

export type TRetentionResult = { locked: boolean; samplesRolledUp: number; minutesWritten: number; minutesDeleted: number; filesExpired: number };

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

export async function runRetention(db: PrismaClient, store: Pick<UploadStore, "remove">, opts: TRetentionOptions = {}): Promise<TRetentionResult> {
  const now = opts.now ?? new Date();
  const batchRows = opts.batchRows ?? 5_000;
  const batchJobs = opts.batchJobs ?? 100;
  const maxBatches = opts.maxBatches ?? 200;
  const settings = await getRetention(db);
  const out: TRetentionResult = { locked: true, samplesRolledUp: 0, minutesWritten: 0, minutesDeleted: 0, filesExpired: 0 };

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
  return out;
}
