// Turns an upload into queued jobs. Every file is checked before any is stored, and a failure after
// storing removes what was written, so a refused request leaves no job and no file behind.
import { createHash, randomUUID } from "node:crypto";
import type { PrismaClient } from "@headroom/db";
import { AppError } from "@headroom/protocol";
import { notifyQueueChanged } from "@headroom/scheduler";
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

export async function createJobs(db: PrismaClient, store: UploadStore, limits: TUploadLimits, input: TCreateJobsInput): Promise<{ jobs: TCreatedJob[]; replayed: boolean }> {
  if (input.files.length === 0) throw new AppError("INVALID_INPUT", "Send at least one file in a multipart field named 'file'");
  if (input.idempotencyKey !== null) {
    const keys = input.files.map((_, i) => keyFor(input.idempotencyKey, i, input.files.length)!);
    const existing = await db.job.findMany({ where: { idempotencyKey: { in: keys } }, select: { id: true, status: true, idempotencyKey: true } });
    if (existing.length > 0) {
      const order = new Map(keys.map((k, i) => [k, i]));
      existing.sort((a, b) => order.get(a.idempotencyKey!)! - order.get(b.idempotencyKey!)!);
      return { jobs: existing.map(({ id, status }) => ({ id, status })), replayed: true };
    }
  }

  const inspected: TInspectedUpload[] = [];
  for (const f of input.files) inspected.push(await inspectUpload(f.name, f.bytes, limits));

  const stored: string[] = [];
  try {
    for (const f of input.files) stored.push(await store.put(f.bytes));
    // Several files in one request are one batch: the agent counts their images together.
    const batchId = input.files.length > 1 ? randomUUID() : null;
    const jobs = await db.$transaction(async (tx) => {
      const out: TCreatedJob[] = [];
      for (const [i, f] of input.files.entries()) {
        const meta = inspected[i]!;
        const job = await tx.job.create({
          data: {
            fileName: f.name.slice(0, 255),
            mimeType: meta.mimeType,
            sizeBytes: f.bytes.length,
            sha256: createHash("sha256").update(f.bytes).digest("hex"),
            widthPx: meta.widthPx,
            heightPx: meta.heightPx,
            pages: meta.pages,
            batchId,
            storageKey: stored[i]!,
            idempotencyKey: keyFor(input.idempotencyKey, i, input.files.length),
            priority: input.priority,
            maxAttempts: input.maxAttempts,
            userId: input.owner.userId,
            apiKeyId: input.owner.apiKeyId,
            events: { create: { type: "created", data: { fileName: f.name, sizeBytes: f.bytes.length, widthPx: meta.widthPx, heightPx: meta.heightPx, pages: meta.pages, batchId } } },
          },
          select: { id: true, status: true },
        });
        out.push(job);
      }
      await notifyQueueChanged(tx);
      return out;
    });
    return { jobs, replayed: false };
  } catch (err) {
    await Promise.all(stored.map((k) => store.remove(k)));
    throw err;
  }
}
