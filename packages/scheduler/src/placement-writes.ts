// A tick's writes, in bulk: one statement places every job of the batch and records their events,
// one more stores the changed wait reasons. Raw SQL because Prisma cannot say "update these rows,
// each with its own values" in one statement: `updateMany` sets the same values on every row, and a
// write per job (what the tick did before) cost a round trip and a WAL record per job and per event
// (docs/bench-scheduler.md, issue 14). `jsonb_to_recordset` and `unnest` turn the batch into rows.
//
// Every write is conditional on what the decision assumed: the job still queued, at the attempt it
// was read at and on no node; the node still online and not drained. A job that changed in between
// (canceled, placed by someone else, retried) or a node drained meanwhile is skipped, not overwritten;
// the caller learns which jobs were placed from the rows returned.
import type { Db, PrismaClient } from "@headroom/db";
import type { TPlannedPlacement, TPlannedWait } from "./plan.ts";

export async function writePlacements(db: Db, placements: readonly TPlannedPlacement[], now: Date): Promise<{ jobId: string; nodeId: string }[]> {
  if (placements.length === 0) return [];
  // The batch goes as one JSON document: the driver escapes every element of a text[] parameter
  // character by character, which cost more CPU than the rest of the tick's Node side (profiled, issue 14).
  const rows = placements.map((p) => ({ job_id: p.jobId, node_id: p.nodeId, attempt: p.attempt, peak_mib: p.predictedPeakMiB, record: p.placement }));
  // The record is stored once, on the job (the UI reads it there); the event keeps the peak only.
  return db.$queryRaw<{ jobId: string; nodeId: string }[]>`
    WITH d AS (
      SELECT * FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS d(job_id uuid, node_id uuid, attempt int, peak_mib int, record jsonb)
    ), placed AS (
      UPDATE "Job" j
      SET status = 'PLACED', "nodeId" = d.node_id, "placedAt" = ${now.toISOString()}::timestamptz AT TIME ZONE 'UTC', "predictedPeakMiB" = d.peak_mib,
          "unschedulableReason" = NULL, "headroomNeededMiB" = NULL, placement = d.record
      FROM d JOIN "Node" n ON n.id = d.node_id
      WHERE j.id = d.job_id AND j.status = 'QUEUED' AND j.attempt = d.attempt AND j."nodeId" IS NULL
        AND n.status = 'ONLINE' AND NOT n.drained
      RETURNING j.id, j."nodeId", j.attempt, j."predictedPeakMiB"
    ), events AS (
      INSERT INTO "JobEvent" ("jobId", type, "nodeId", attempt, data)
      SELECT id, 'placed', "nodeId", attempt, jsonb_build_object('predictedPeakMiB', "predictedPeakMiB") FROM placed
    )
    SELECT id::text AS "jobId", "nodeId"::text AS "nodeId" FROM placed`;
}

/**
 * The same writes split into `ways` statements that run side by side on the client's pool, each its
 * own transaction, the jobs of one node always in one statement. One statement keeps one Postgres
 * backend busy, and placing a job costs that backend about 0.3 ms of CPU (a non-HOT update of a wide
 * row with nine indexes, its event row and three foreign-key checks: bench/write-cost.ts), so one
 * statement cannot place more than about 3,000 jobs a second however many cores the server has.
 * The caller holds the placement lock in its own transaction until these return, so no other
 * replica reads the fleet half-written; a statement that fails leaves the others' placements
 * standing, each of them valid on its own (conditional, as in writePlacements). Grouping by node
 * keeps each node row's foreign-key lock (FOR KEY SHARE) within one transaction: locks from several
 * would turn into a MultiXact per node.
 */
export async function writePlacementsSplit(pool: PrismaClient, placements: readonly TPlannedPlacement[], now: Date, ways: number, single: Db = pool): Promise<{ jobId: string; nodeId: string }[]> {
  const parts = splitByNode(placements, ways);
  // Too few for a second statement: one, on `single` (the caller's transaction, if it passes one).
  if (parts.length <= 1) return writePlacements(single, placements, now);
  return (await Promise.all(parts.map((part) => writePlacements(pool, part, now)))).flat();
}

/** At most `ways` parts of about equal size (at least MIN_SPLIT_JOBS each), all jobs of a node in one part; order kept within a part. */
export function splitByNode<T extends { nodeId: string }>(placements: readonly T[], ways: number): T[][] {
  const n = Math.max(1, Math.min(ways, Math.floor(placements.length / MIN_SPLIT_JOBS)));
  if (n <= 1) return placements.length ? [[...placements]] : [];
  const byNode = new Map<string, T[]>();
  for (const p of placements) {
    const list = byNode.get(p.nodeId);
    if (list) list.push(p);
    else byNode.set(p.nodeId, [p]);
  }
  // Largest nodes first, each to the smallest part so far: parts within one node's jobs of each other.
  const parts: T[][] = Array.from({ length: n }, () => []);
  for (const group of [...byNode.values()].sort((x, y) => y.length - x.length)) {
    let smallest = parts[0]!;
    for (const part of parts) if (part.length < smallest.length) smallest = part;
    smallest.push(...group);
  }
  return parts.filter((p) => p.length > 0);
}

/** Below this many jobs a part's statement costs less than the round trip and connection it takes. */
export const MIN_SPLIT_JOBS = 50;

/** Stores why each job still waits (shown in the UI, read by heartbeats for reclaim); only queued jobs. */
export async function writeWaiting(db: Db, waiting: readonly TPlannedWait[]): Promise<void> {
  if (waiting.length === 0) return;
  await db.$executeRaw`
    UPDATE "Job" j
    SET "unschedulableReason" = d.reason, "headroomNeededMiB" = d.needed_mib, "predictedPeakMiB" = d.peak_mib
    FROM unnest(
      ${waiting.map((w) => w.jobId)}::uuid[], ${waiting.map((w) => w.reason)}::text[],
      ${waiting.map((w) => w.headroomNeededMiB)}::int[], ${waiting.map((w) => w.predictedPeakMiB)}::int[]
    ) AS d(job_id, reason, needed_mib, peak_mib)
    WHERE j.id = d.job_id AND j.status = 'QUEUED'`;
}

