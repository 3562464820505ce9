// Job transitions reported by agents. Each one is conditional on job, node, attempt and state, so
// a report from a lease that was lost (expired, swept, canceled) changes nothing: it gets LEASE_LOST.
import { Prisma, sqlRows, type Db, type PrismaClient } from "@headroom/db";
import { AppError, isUuid, NON_RETRYABLE_JOB_ERRORS, type TCompleteRequest, type TFailRequest, type TMemorySample } from "@headroom/protocol";
import { retryDelayMs } from "@headroom/policy";
import { wakeQueueAfterCommit } from "../notify.ts";
import { samplesInsert } from "./samples.ts";

/** The attempt a report is about: the job, the node that holds it, and which attempt. */
export type TAttemptRef = { jobId: string; nodeId: string; attempt: number };

/** The attempt's row while this node still holds it: the condition of every report. */
function held(ref: TAttemptRef): Prisma.Sql {
  return Prisma.sql`id = ${ref.jobId}::uuid AND "nodeId" = ${ref.nodeId}::uuid AND attempt = ${ref.attempt} AND status = 'RUNNING'`;
}

function leaseLost(ref: TAttemptRef): AppError {
  return new AppError("LEASE_LOST", `Job ${ref.jobId} attempt ${ref.attempt} is no longer held by this node`);
}

/**
 * A start the agent did not report on its own (the report's `startedMsAgo`): when it was, by the
 * report's clock, and the memory in use then. Null when the agent reported it (POST /start).
 */
type TLateStart = { at: Date; ms: number; usedMiB: number | null };

function lateStart(report: { startedMsAgo?: number }, usedMiB: number | null, now: Date): TLateStart | null {
  return report.startedMsAgo === undefined ? null : { at: new Date(now.getTime() - report.startedMsAgo), ms: report.startedMsAgo, usedMiB };
}

/** The row's start from a late report: this attempt's time (a retried job's row holds its last attempt's). */
function lateStartSet(late: TLateStart | null): Prisma.Sql {
  return late ? Prisma.sql`, "startedAt" = ${late.at}` : Prisma.empty;
}

/**
 * The report's event for the row in CTE `j` (dated `agoMs` before now), after the "started" event of
 * a late start, dated when the job started. That one is written once per attempt: a POST /start that
 * was delivered though its answer was lost (so the agent carried the start too) has written it already.
 */
function eventsInsert(ref: TAttemptRef, type: Prisma.Sql, data: Prisma.Sql, late: TLateStart | null, agoMs = 0, once = false): Prisma.Sql {
  const started = late
    ? Prisma.sql`
    SELECT id, ${ref.nodeId}::uuid, ${ref.attempt}::int, 'started', ${JSON.stringify({ usedMiB: late.usedMiB })}::jsonb, now() - ${late.ms}::int * interval '1 millisecond' FROM j
    WHERE ${noEventYet(ref, Prisma.sql`'started'`, Prisma.sql`j.id`)}
    UNION ALL`
    : Prisma.empty;
  return Prisma.sql`
    INSERT INTO "JobEvent" ("jobId", "nodeId", attempt, type, data, "createdAt")${started}
    SELECT id, ${ref.nodeId}::uuid, ${ref.attempt}::int, (${type})::text, ${data}, now() - ${agoMs}::int * interval '1 millisecond' FROM j${once ? Prisma.sql` WHERE ${noEventYet(ref, type, Prisma.sql`j.id`)}` : Prisma.empty}`;
}

/** True while the job (`jobId`, a column) has no event of `type` for this attempt. */
function noEventYet(ref: TAttemptRef, type: Prisma.Sql, jobId: Prisma.Sql): Prisma.Sql {
  return Prisma.sql`NOT EXISTS (SELECT 1 FROM "JobEvent" e WHERE e."jobId" = ${jobId} AND e.attempt = ${ref.attempt}::int AND e.type = (${type})::text)`;
}

/**
 * The attempt's row updated with `set`, and its event, in one statement: the conditional update and
 * the event in one `WITH … INSERT`, atomic as a statement is, instead of an interactive transaction
 * (BEGIN, update, insert, COMMIT: four round trips). Every job sends a completion (and a start when it
 * runs long), so at a thousand jobs a second those round trips were most of the control plane's CPU
 * for them (bench/agent-requests.ts). LEASE_LOST when the attempt is no longer held. `samples` the
 * agent sent along are kept in the same statement, only when the update happened; returns how many were.
 */
async function updateHeld(
  db: PrismaClient,
  ref: TAttemptRef,
  set: Prisma.Sql,
  event: { type: string; data: object; agoMs?: number; once?: boolean },
  samples: readonly TMemorySample[] = [],
  late: TLateStart | null = null,
): Promise<number> {
  if (!isUuid(ref.jobId)) throw leaseLost(ref);
  const kept = samples.length > 0 ? Prisma.sql`, kept AS (${samplesInsert(ref.nodeId, samples, Prisma.sql`EXISTS (SELECT 1 FROM j)`)} RETURNING 1)` : Prisma.sql`, kept AS (SELECT 1 WHERE FALSE)`;
  // Held or not is the update's answer, not the event's: an event written once may be written by now.
  const rows = await sqlRows<{ held: number; samples: number }>(db, Prisma.sql`
    WITH j AS (
      UPDATE "Job" SET ${set}${lateStartSet(late)}
      WHERE ${held(ref)}
      RETURNING id
    )${kept}, events AS (
    ${eventsInsert(ref, Prisma.sql`${event.type}`, Prisma.sql`${JSON.stringify(event.data)}::jsonb`, late, event.agoMs, event.once)}
    )
    SELECT (SELECT count(*) FROM j)::int AS held, (SELECT count(*) FROM kept)::int AS samples`);
  if (rows[0]?.held !== 1) throw leaseLost(ref);
  return rows[0].samples;
}

/**
 * The job runs: its start, dated `startedMsAgo` before now when the agent reported it after a while
 * (start-report.ts). Once per attempt: a report sent again because its answer was lost keeps the
 * first one's time, memory and event.
 */
export async function startJob(db: PrismaClient, ref: TAttemptRef, memory: { usedMiB: number }, startedMsAgo = 0, now = new Date()): Promise<void> {
  const at = new Date(now.getTime() - startedMsAgo);
  const first = noEventYet(ref, Prisma.sql`'started'`, Prisma.sql`"Job".id`);
  await updateHeld(
    db,
    ref,
    Prisma.sql`"startedAt" = CASE WHEN ${first} THEN ${at} ELSE "startedAt" END, "memBeforeMiB" = CASE WHEN ${first} THEN ${memory.usedMiB}::int ELSE "memBeforeMiB" END`,
    { type: "started", data: { usedMiB: memory.usedMiB }, agoMs: startedMsAgo, once: true },
  );
}

/** The job's result, and the memory samples the agent sent with it; returns how many of those were kept. */
export async function completeJob(db: PrismaClient, ref: TAttemptRef, report: TCompleteRequest, now = new Date()): Promise<{ samplesStored: number }> {
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
      "finishedAt" = ${now},
      "leaseExpiresAt" = NULL, "errorCode" = NULL, "errorMessage" = NULL, "unschedulableReason" = NULL`,
    { type: "completed", data: { durationMs: report.durationMs, peakMiB: report.memory.peakMiB, lines } },
    report.samples,
    lateStart(report, report.memory.beforeMiB, now),
  );
  // The node has room again: the scheduler may place its next job now rather than at its next tick.
  await wakeQueueAfterCommit(db);
  return { samplesStored };
}

/**
 * A failed attempt, in one statement like the start and the completion: back to the queue after its
 * retry delay when the error is retryable and attempts remain, otherwise FAILED; the event says which.
 * The decision reads the row's own attempt and maxAttempts inside the update, so no read comes first.
 */
export async function failJob(db: PrismaClient, ref: TAttemptRef, report: Pick<TFailRequest, "code" | "message" | "memory" | "startedMsAgo">, now = new Date()): Promise<"retried" | "failed"> {
  if (!isUuid(ref.jobId)) throw leaseLost(ref);
  const retryable = !NON_RETRYABLE_JOB_ERRORS.has(report.code);
  const retry = Prisma.sql`(${retryable} AND attempt < "maxAttempts")`;
  const late = lateStart(report, report.memory?.beforeMiB ?? null, now);
  const rows = await sqlRows<{ type: "retried" | "failed" | "started" }>(db, Prisma.sql`
    WITH j AS (
      UPDATE "Job" SET
        status = (CASE WHEN ${retry} THEN 'QUEUED' ELSE 'FAILED' END)::"JobStatus",
        "nodeId" = CASE WHEN ${retry} THEN NULL ELSE "nodeId" END,
        "runAfter" = CASE WHEN ${retry} THEN ${new Date(now.getTime() + retryDelayMs(ref.attempt))} ELSE "runAfter" END,
        "finishedAt" = CASE WHEN ${retry} THEN "finishedAt" ELSE ${now} END,
        "errorCode" = ${report.code}, "errorMessage" = ${report.message}, "leaseExpiresAt" = NULL,
        "observedPeakMiB" = ${report.memory?.peakMiB ?? null}::int,
        "memBeforeMiB" = COALESCE(${report.memory?.beforeMiB ?? null}::int, "memBeforeMiB")${lateStartSet(late)}
      WHERE ${held(ref)}
      RETURNING id, status
    )
    ${eventsInsert(ref, Prisma.sql`CASE WHEN status = 'QUEUED' THEN 'retried' ELSE 'failed' END`, Prisma.sql`${JSON.stringify({ code: report.code, message: report.message })}::jsonb`, late)}
    RETURNING type`);
  // A late start's event comes back too; the attempt's outcome is the other row.
  const outcome = rows.find((r): r is { type: "retried" | "failed" } => r.type !== "started")?.type;
  if (!outcome) throw leaseLost(ref);
  await wakeQueueAfterCommit(db); // requeued, or a slot freed on the node
  return outcome;
}

/**
 * Admission said no on the live reading: back to the queue, to be placed elsewhere, attempt not used.
 * One statement: the job's row, its `refused` event and the node's `refusal` event.
 */
export async function refuseJob(db: PrismaClient, ref: TAttemptRef, reason: string, memory: { usedMiB: number; freeMiB: number }): Promise<void> {
  if (!isUuid(ref.jobId)) throw leaseLost(ref);
  const rows = await sqlRows<unknown>(db, Prisma.sql`
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
    RETURNING 1`);
  if (rows.length === 0) throw leaseLost(ref);
  await wakeQueueAfterCommit(db);
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
