// Turns an upload into queued jobs. Every file is checked before any is stored, and a failure after
// storing removes what was written, so a refused request leaves no job and no file behind.
import { createHash, randomUUID } from "node:crypto";
import type { PrismaClient } from "@headroom/db";
import { AppError } from "@headroom/protocol";
import { enqueueJobs, isIdempotencyClash, jobsByIdempotencyKey } from "@headroom/scheduler";
import { checkFileName } from "./file-name";
import { inspectUpload, type TInspectedUpload, type TUploadLimits } from "./inspect-upload";
import type { UploadStore } from "./storage";

export type TUploadFile = { name: string; bytes: Buffer };
export type TCreateJobsInput = {
  files: TUploadFile[];
  priority: number;
  idempotencyKey: string | null;
  owner: { userId: string | null; apiKeyId: string | null };
  maxAttempts: number;
};
export type TCreatedJob = { id: string; status: string };

function keyFor(base: string | null, index: number, count: number): string | null {
  if (base === null) return null;
  return count === 1 ? base : `${base}:${index}`;
}

const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");

/**
 * The jobs an earlier request with this idempotency key created, or null when there are none. The
 * same key with other files is a client bug that a replay would hide: CONFLICT.
 */
async function replayOf(db: PrismaClient, input: TCreateJobsInput, hashes: string[]): Promise<TCreatedJob[] | null> {
  if (input.idempotencyKey === null) return null;
  const keys = input.files.map((_, i) => keyFor(input.idempotencyKey, i, input.files.length)!);
  const existing = await jobsByIdempotencyKey(db, keys);
  if (existing.length === 0) return null;
  const order = new Map(keys.map((k, i) => [k, i]));
  existing.sort((a, b) => order.get(a.idempotencyKey!)! - order.get(b.idempotencyKey!)!);
  if (existing.length !== keys.length || existing.some((job, i) => job.sha256 !== hashes[i])) {
    throw new AppError("CONFLICT", `The idempotency key ${JSON.stringify(input.idempotencyKey)} was already used for other files; use a new key for a new upload`);
  }
  return existing.map(({ id, status }) => ({ id, status }));
}

export async function createJobs(db: PrismaClient, store: UploadStore, limits: TUploadLimits, input: TCreateJobsInput): Promise<{ jobs: TCreatedJob[]; replayed: boolean }> {
  if (input.files.length === 0) throw new AppError("INVALID_INPUT", "Send at least one file in a multipart field named 'file'");
  const names = input.files.map((f) => checkFileName(f.name));
  const hashes = input.files.map((f) => sha256(f.bytes));
  const earlier = await replayOf(db, input, hashes);
  if (earlier) return { jobs: earlier, replayed: true };

  const inspected: TInspectedUpload[] = [];
  for (const [i, f] of input.files.entries()) inspected.push(await inspectUpload(names[i]!, f.bytes, limits));

  const stored: string[] = [];
  try {
    for (const f of input.files) stored.push(await store.put(f.bytes));
    // Several files in one request are one batch: the agent counts their images together.
    const batchId = input.files.length > 1 ? randomUUID() : null;
    const jobs = await enqueueJobs(
      db,
      input.files.map((f, i) => ({
        fileName: names[i]!,
        mimeType: inspected[i]!.mimeType,
        sizeBytes: f.bytes.length,
        sha256: hashes[i]!,
        widthPx: inspected[i]!.widthPx,
        heightPx: inspected[i]!.heightPx,
        pages: inspected[i]!.pages,
        batchId,
        storageKey: stored[i]!,
        idempotencyKey: keyFor(input.idempotencyKey, i, input.files.length),
        priority: input.priority,
        maxAttempts: input.maxAttempts,
        userId: input.owner.userId,
        apiKeyId: input.owner.apiKeyId,
      })),
    );
    return { jobs, replayed: false };
  } catch (err) {
    await Promise.all(stored.map((k) => store.remove(k)));
    // The same key sent twice at once: both passed the replay check and the other one's insert
    // committed first (the unique index made this one wait for it). Answer with its jobs.
    if (isIdempotencyClash(err)) {
      const winner = await replayOf(db, input, hashes);
      if (winner) return { jobs: winner, replayed: true };
    }
    throw err;
  }
}
