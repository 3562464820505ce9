// Job transitions reported by agents. Each one is conditional on job, node, attempt and state, so
// a report from a lease that was lost (expired, swept, canceled) changes nothing: it gets LEASE_LOST.
import { Prisma, type Db, type PrismaClient } from "@headroom/db";
import { AppError, isUuid, NON_RETRYABLE_JOB_ERRORS, type TCompleteRequest, type TFailRequest, type TMemorySample } from "@headroom/protocol";
import { retryDelayMs } from "@headroom/policy";
import { notifyQueueChanged, wakeAfterCommit } from "../notify.ts";
import { samplesInsert } from "./samples.ts";

type TAttemptRef = { jobId: string; nodeId: string; attempt: number };

/** The attempt's row while this node still holds it: the condition of every report. */
function held(ref: TAttemptRef): Prisma.Sql {
  return Prisma.sql`id = ${ref.jobId}::uuid AND "nodeId" = ${ref.nodeId}::uuid AND attempt = ${ref.attempt} AND status = 'RUNNING'`;
}

function leaseLost(ref: TAttemptRef): AppError {
  return new AppError("LEASE_LOST", `Job ${ref.jobId} attempt ${ref.attempt} is no longer held by this node`);
}

/**
 * The attempt's row updated with `set`, and its event, in one statement: the conditional update and
 * the event in one `WITH … INSERT`, atomic as a statement is, instead of an interactive transaction
 * (BEGIN, update, insert, COMMIT: four round trips). Every job sends a start and a completion, so at
 * a thousand jobs a second those round trips were most of the control plane's CPU for them
 * (bench/agent-requests.ts). LEASE_LOST when the attempt is no longer held. `samples` the agent sent
 * along are kept in the same statement, only when the update happened; returns how many were.
 */
async function updateHeld(db: PrismaClient, ref: TAttemptRef, set: Prisma.Sql, event: { type: string; data: object }, samples: readonly TMemorySample[] = []): Promise<number> {
  if (!isUuid(ref.jobId)) throw leaseLost(ref);
  const kept = samples.length > 0 ? Prisma.sql`, kept AS (${samplesInsert(ref.nodeId, samples, Prisma.sql`EXISTS (SELECT 1 FROM j)`)} RETURNING 1)` : Prisma.sql`, kept AS (SELECT 1 WHERE FALSE)`;
  const rows = await db.$queryRaw<{ samples: number }[]>`
    WITH j AS (
      UPDATE "Job" SET ${set}
      WHERE ${held(ref)}
      RETURNING id
    )${kept}
    INSERT INTO "JobEvent" ("jobId", "nodeId", attempt, type, data)
    SELECT id, ${ref.nodeId}::uuid, ${ref.attempt}, ${event.type}, ${JSON.stringify(event.data)}::jsonb FROM j
    RETURNING (SELECT count(*) FROM kept)::int AS samples`;
  if (rows.length === 0) throw leaseLost(ref);
  return rows[0]!.samples;
}

export async function startJob(db: PrismaClient, ref: TAttemptRef, memory: { usedMiB: number }): Promise<void> {
  await updateHeld(db, ref, Prisma.sql`"startedAt" = ${new Date()}, "memBeforeMiB" = ${memory.usedMiB}`, { type: "started", data: { usedMiB: memory.usedMiB } });
}

/** The job's result, and the memory samples the agent sent with it; returns how many of those were kept. */
export async function completeJob(db: PrismaClient, ref: TAttemptRef, report: TCompleteRequest): Promise<{ samplesStored: number }> {
  const lines = report.result.pages.reduce((n, p) => n + p.lines.length, 0);
  const samplesStored = await updateHeld(
    db,
    ref,
    Prisma.sql`
      status = 'SUCCEEDED',
      result = ${JSON.stringify(report.result)}::jsonb,
      text = ${report.result.text},
      timings = ${JSON.stringify({ ...report.result.timingsMs, totalMs: report.durationMs })}::jsonb,
      "observedPeakMiB" = ${report.memory.peakMiB},
      "memBeforeMiB" = ${report.memory.beforeMiB},
      "memAfterMiB" = ${report.memory.afterMiB},
      "finishedAt" = ${new Date()},
      "leaseExpiresAt" = NULL, "errorCode" = NULL, "errorMessage" = NULL, "unschedulableReason" = NULL`,
    { type: "completed", data: { durationMs: report.durationMs, peakMiB: report.memory.peakMiB, lines } },
    report.samples,
  );
  // The node has room again: the scheduler may place its next job now rather than at its next tick.
  await wakeAfterCommit(db, notifyQueueChanged);
  return { samplesStored };
}

/**
 * A failed attempt, in one statement like the start and the completion: back to the queue after its
 * retry delay when the error is retryable and attempts remain, otherwise FAILED; the event says which.
 * The decision reads the row's own attempt and maxAttempts inside the update, so no read comes first.
 */
export async function failJob(db: PrismaClient, ref: TAttemptRef, report: Pick<TFailRequest, "code" | "message" | "memory">, now = new Date()): Promise<"retried" | "failed"> {
  if (!isUuid(ref.jobId)) throw leaseLost(ref);
  const retryable = !NON_RETRYABLE_JOB_ERRORS.has(report.code);
  const retry = Prisma.sql`(${retryable} AND attempt < "maxAttempts")`;
  const rows = await db.$queryRaw<{ type: "retried" | "failed" }[]>`
    WITH j AS (
      UPDATE "Job" SET
        status = (CASE WHEN ${retry} THEN 'QUEUED' ELSE 'FAILED' END)::"JobStatus",
        "nodeId" = CASE WHEN ${retry} THEN NULL ELSE "nodeId" END,
        "runAfter" = CASE WHEN ${retry} THEN ${new Date(now.getTime() + retryDelayMs(ref.attempt))} ELSE "runAfter" END,
        "finishedAt" = CASE WHEN ${retry} THEN "finishedAt" ELSE ${now} END,
        "errorCode" = ${report.code}, "errorMessage" = ${report.message}, "leaseExpiresAt" = NULL,
        "observedPeakMiB" = ${report.memory?.peakMiB ?? null}::int
      WHERE ${held(ref)}
      RETURNING id, status
    )
    INSERT INTO "JobEvent" ("jobId", "nodeId", attempt, type, data)
    SELECT id, ${ref.nodeId}::uuid, ${ref.attempt}, CASE WHEN status = 'QUEUED' THEN 'retried' ELSE 'failed' END, ${JSON.stringify({ code: report.code, message: report.message })}::jsonb FROM j
    RETURNING type`;
  if (rows.length === 0) throw leaseLost(ref);
  await wakeAfterCommit(db, notifyQueueChanged); // requeued, or a slot freed on the node
  return rows[0]!.type;
}

/**
 * Admission said no on the live reading: back to the queue, to be placed elsewhere, attempt not used.
 * One statement: the job's row, its `refused` event and the node's `refusal` event.
 */
export async function refuseJob(db: PrismaClient, ref: TAttemptRef, reason: string, memory: { usedMiB: number; freeMiB: number }): Promise<void> {
  if (!isUuid(ref.jobId)) throw leaseLost(ref);
  const rows = await db.$queryRaw<unknown[]>`
    WITH j AS (
      UPDATE "Job" SET status = 'QUEUED', "nodeId" = NULL, attempt = attempt - 1, "leaseExpiresAt" = NULL, "runAfter" = ${new Date()}
      WHERE ${held(ref)}
      RETURNING id
    ), refusal AS (
      INSERT INTO "NodeEvent" ("nodeId", type, "beforeMiB", data)
      SELECT ${ref.nodeId}::uuid, 'refusal', ${memory.usedMiB}, ${JSON.stringify({ jobId: ref.jobId, attempt: ref.attempt, reason, freeMiB: memory.freeMiB })}::jsonb FROM j
    )
    INSERT INTO "JobEvent" ("jobId", "nodeId", attempt, type, data)
    SELECT id, ${ref.nodeId}::uuid, ${ref.attempt}, 'refused', ${JSON.stringify({ reason, ...memory })}::jsonb FROM j
    RETURNING 1`;
  if (rows.length === 0) throw leaseLost(ref);
  await wakeAfterCommit(db, notifyQueueChanged);
}

/**
 * The leases an agent says it still runs, extended to `until`: an `UPDATE … RETURNING id` for a CTE
 * of the heartbeat's statement (every busy agent sends one every 2 s, so a statement per job was a
 * busy fleet's steadiest write). Only ids that are UUIDs are looked for; the rest are revoked anyway.
 */
export function leaseRenewal(nodeId: string, active: readonly { jobId: string; attempt: number }[], until: Date): Prisma.Sql {
  const rows = active.filter((a) => isUuid(a.jobId)).map((a) => ({ id: a.jobId, attempt: a.attempt }));
  return Prisma.sql`
    UPDATE "Job" j SET "leaseExpiresAt" = ${until}
    FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS a(id uuid, attempt int)
    WHERE j.id = a.id AND j."nodeId" = ${nodeId}::uuid AND j.attempt = a.attempt AND j.status = 'RUNNING'
    RETURNING j.id`;
}
