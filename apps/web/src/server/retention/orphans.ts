// Stored uploads that no job refers to are removed once they are older than ORPHAN_GRACE_MS. A
// control-plane replica killed between storing an upload and committing its job leaves such a file
// (the chaos campaign's kill -9 found it; the client's retry got its job on another replica), and
// so does any other death in that window. Only the job row makes a file worth keeping, so the sweep
// lists the store's old files and asks Postgres, one query per batch, which of them a job names.
//
// The grace is what keeps a file whose job is about to commit: a file younger than it is never a
// candidate, however it looks. A job that refers to a file is never removed here, whatever its age.
import type { Db } from "@headroom/db";
import type { UploadStore } from "../jobs/storage";

/**
 * 15 minutes: far longer than any upload's store-to-commit window. The whole upload must arrive
 * within HEADROOM_UPLOAD_TIMEOUT_MS (2 minutes by default) and the job commits right after the store.
 */
export const ORPHAN_GRACE_MS = 15 * 60 * 1000;

/** Which of `keys` no job row refers to: one indexed query (Job.storageKey is unique). */
export async function unreferencedKeys(db: Db, keys: readonly string[]): Promise<string[]> {
  if (keys.length === 0) return [];
  const rows = await db.job.findMany({ where: { storageKey: { in: [...keys] } }, select: { storageKey: true } });
  const referenced = new Set(rows.map((r) => r.storageKey));
  return keys.filter((k) => !referenced.has(k));
}

/**
 * Groups the store's files stored before `before` into batches of `batchKeys`, so a store with many
 * files is checked with few queries and never held in memory whole.
 */
export async function* candidateBatches(store: Pick<UploadStore, "storedBefore">, before: Date, batchKeys: number): AsyncIterable<string[]> {
  let batch: string[] = [];
  for await (const key of store.storedBefore(before)) {
    batch.push(key);
    if (batch.length >= batchKeys) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length) yield batch;
}

/** Removes `keys` no job refers to; returns the removed keys. Run it in a transaction with the retention lock. */
export async function removeOrphansBatch(db: Db, store: Pick<UploadStore, "remove">, keys: readonly string[]): Promise<string[]> {
  const orphans = await unreferencedKeys(db, keys);
  for (const key of orphans) await store.remove(key);
  return orphans;
}
