// Jobs entering the queue (a submission) and canceled, and the reads and marks around them that are
// not agent reports: the idempotency replay lookup, a job's owner for cancel, the file a node may download,
// and retention's file expiry.
import { randomUUID } from "node:crypto";
import { isUniqueViolation, Prisma, sqlRows, type Db, type PrismaClient } from "@headroom/db";
import { AppError } from "@headroom/protocol";
import { wakeQueueAfterCommit } from "../notify.ts";

/** One checked, stored upload, ready to queue. */
export type TNewJob = {
  fileName: string;
  mimeType: string;
  sizeBytes: number;
  sha256: string;
  widthPx: number;
  heightPx: number;
  pages: number;
  /** Several files in one request are one batch: the agent counts their images together. */
  batchId: string | null;
  storageKey: string;
  idempotencyKey: string | null;
  priority: number;
  maxAttempts: number;
  userId: string | null;
  apiKeyId: string | null;
};

/**
 * Queues the jobs, each with its "created" event, in one statement (atomic as a statement is: all of
 * them or none), and wakes the scheduler after the commit. One statement rather than an interactive
 * transaction (BEGIN, a job, its event, …, COMMIT): every upload passes here, and each round trip
 * costs the web process CPU (bench/agent-requests.ts). The ids are made here so the answer keeps the
 * upload's order.
 */
export async function enqueueJobs(db: PrismaClient, jobs: readonly TNewJob[]): Promise<{ id: string; status: string }[]> {
  const rows = jobs.map((j) => ({ ...j, id: randomUUID() }));
  const created = await sqlRows<{ jobId: string }>(db, Prisma.sql`
    WITH input AS (
      SELECT * FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS x(
        id uuid, "fileName" text, "mimeType" text, "sizeBytes" int, sha256 text, "widthPx" int, "heightPx" int, pages int,
        "batchId" uuid, "storageKey" text, "idempotencyKey" text, priority int, "maxAttempts" int, "userId" uuid, "apiKeyId" uuid)
    ), j AS (
      INSERT INTO "Job" (id, "fileName", "mimeType", "sizeBytes", sha256, "widthPx", "heightPx", pages, "batchId", "storageKey", "idempotencyKey", priority, "maxAttempts", "userId", "apiKeyId")
      SELECT id, "fileName", "mimeType", "sizeBytes", sha256, "widthPx", "heightPx", pages, "batchId", "storageKey", "idempotencyKey", priority, "maxAttempts", "userId", "apiKeyId" FROM input
      RETURNING id
    )
    INSERT INTO "JobEvent" ("jobId", type, data)
    SELECT i.id, 'created', jsonb_build_object('fileName', i."fileName", 'sizeBytes', i."sizeBytes", 'widthPx', i."widthPx", 'heightPx', i."heightPx", 'pages', i.pages, 'batchId', i."batchId")
    FROM j JOIN input i ON i.id = j.id
    RETURNING "jobId"::text AS "jobId"`);
  if (created.length !== rows.length) throw new Error(`queued ${created.length} of ${rows.length} jobs`);
  await wakeQueueAfterCommit(db);
  return rows.map((r) => ({ id: r.id, status: "QUEUED" }));
}

/** Jobs already queued under these idempotency keys (in no particular order). */
export async function jobsByIdempotencyKey(db: Db, keys: readonly string[]): Promise<{ id: string; status: string; idempotencyKey: string | null; sha256: string }[]> {
  return db.job.findMany({ where: { idempotencyKey: { in: [...keys] } }, select: { id: true, status: true, idempotencyKey: true, sha256: true } });
}

/** A unique-constraint violation on Job.idempotencyKey: the same key queued at once by another request. */
export function isIdempotencyClash(err: unknown): boolean {
  return isUniqueViolation(err, "idempotencyKey");
}

/**
 * Cancels a job that has not finished. A running job's lease goes with it: the agent learns on its
 * next heartbeat (revokedJobs) and stops, and any report it still sends gets LEASE_LOST.
 */
export async function cancelJob(db: PrismaClient, jobId: string, by: string): Promise<"canceled" | "already_finished"> {
  return db.$transaction(async (tx) => {
    const job = await tx.job.findUnique({ where: { id: jobId }, select: { status: true, nodeId: true, attempt: true } });
    if (!job) throw new AppError("NOT_FOUND", `No job ${jobId}`);
    const { count } = await tx.job.updateMany({
      where: { id: jobId, status: { in: ["QUEUED", "PLACED", "RUNNING"] } },
      data: { status: "CANCELED", finishedAt: new Date(), leaseExpiresAt: null, errorCode: null, errorMessage: null },
    });
    if (count === 0) return "already_finished";
    await tx.jobEvent.create({ data: { jobId, nodeId: job.nodeId, attempt: job.attempt, type: "canceled", data: { by, was: job.status } } });
    return "canceled";
  });
}

/** Who submitted a job (a user or an API key), or null when there is no such job. */
export async function jobOwner(db: Db, jobId: string): Promise<{ userId: string | null; apiKeyId: string | null } | null> {
  return db.job.findUnique({ where: { id: jobId }, select: { userId: true, apiKeyId: true } });
}

/** Where a job's upload is stored, only while this node runs it (the agent's file download); null otherwise. */
export async function heldJobFile(db: Db, jobId: string, nodeId: string): Promise<{ storageKey: string; mimeType: string } | null> {
  return db.job.findFirst({ where: { id: jobId, nodeId, status: "RUNNING" }, select: { storageKey: true, mimeType: true } });
}

const FINISHED = ["SUCCEEDED", "FAILED", "CANCELED"] as const;

/** Up to `batchJobs` finished jobs, oldest first, whose file and result retention should remove (finished before `before`). */
export async function jobsWithFilesToExpire(db: Db, before: Date, batchJobs: number): Promise<{ id: string; storageKey: string }[]> {
  return db.job.findMany({
    // createdAt bounds the scan through its index (a job finishes after it is created).
    where: { fileExpiredAt: null, status: { in: [...FINISHED] }, createdAt: { lt: before }, finishedAt: { lt: before } },
    orderBy: { createdAt: "asc" },
    take: batchJobs,
    select: { id: true, storageKey: true },
  });
}

/**
 * Marks jobs whose stored file is gone: fileExpiredAt set, result and text cleared, a "file_expired"
 * event each. Jobs already marked are left alone. Returns how many were marked.
 */
export async function markFilesExpired(db: Db, jobIds: readonly string[], before: Date, now: Date): Promise<number> {
  const marked = await db.job.updateManyAndReturn({
    where: { id: { in: [...jobIds] }, fileExpiredAt: null },
    // Prisma.DbNull: the result column becomes SQL NULL, not the JSON value null.
    data: { fileExpiredAt: now, result: Prisma.DbNull, text: null },
    select: { id: true, attempt: true },
  });
  await db.jobEvent.createMany({ data: marked.map((j) => ({ jobId: j.id, attempt: j.attempt, type: "file_expired", data: { finishedBefore: before.toISOString() } })) });
  return marked.length;
}
