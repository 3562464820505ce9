// The queue claim, the one place with raw SQL: Prisma cannot say FOR UPDATE SKIP LOCKED.
//
// One statement: pick this node's oldest highest-priority placed job, skipping rows another
// claimer holds, mark it running with a lease, count the attempt and record the event, all in a
// single round trip. Alternatives: SELECT then UPDATE in a transaction takes two round trips and
// holds the row lock across them; an advisory lock per job serialises claimers on the lock table.
// SKIP LOCKED inside a CTE lets N concurrent claimers each take a different row without waiting.
import { Prisma, sqlRows, type Db } from "@headroom/db";

export type TClaimedJob = {
  id: string;
  attempt: number;
  fileName: string;
  mimeType: string;
  sizeBytes: number;
  pages: number;
  batchId: string | null;
  storageKey: string;
  leaseExpiresAt: Date;
};

export async function claimNextJob(db: Db, nodeId: string, leaseMs: number): Promise<TClaimedJob | null> {
  const rows = await sqlRows<TClaimedJob>(db, Prisma.sql`
    WITH next AS (
      SELECT id FROM "Job"
      WHERE "nodeId" = ${nodeId}::uuid AND status = 'PLACED'
      ORDER BY priority DESC, "createdAt" ASC
      LIMIT 1
      FOR UPDATE SKIP LOCKED
    ), claimed AS (
      UPDATE "Job" j
      SET status = 'RUNNING', attempt = j.attempt + 1,
          "leaseExpiresAt" = now() + ${leaseMs} * interval '1 millisecond'
      FROM next WHERE j.id = next.id
      RETURNING j.id, j.attempt, j."fileName", j."mimeType", j."sizeBytes", j.pages, j."batchId"::text AS "batchId", j."storageKey", j."leaseExpiresAt"
    ), event AS (
      INSERT INTO "JobEvent" ("jobId", type, "nodeId", attempt, data)
      SELECT id, 'claimed', ${nodeId}::uuid, attempt, jsonb_build_object('leaseMs', ${leaseMs}::int) FROM claimed
    )
    SELECT * FROM claimed`);
  return rows[0] ?? null;
}
