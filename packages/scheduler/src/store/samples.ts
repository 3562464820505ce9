import { COMMIT_WITHOUT_FLUSH, Prisma, sqlCount, type PrismaClient } from "@headroom/db";
import { AppError, isUuid, type TMemorySample, type TSamplesRequest } from "@headroom/protocol";

/**
 * Memory samples for the node's history; a sample naming a job the node never ran (or no job id at
 * all) is kept without the job. One statement: the job check is a join in the insert, not a look-up
 * before it, because every agent flushes its samples every second while it works.
 */
export async function storeSamples(db: PrismaClient, nodeId: string, req: TSamplesRequest): Promise<number> {
  if (req.samples.length === 0) return 0;
  // Telemetry: a crash of Postgres may lose the last fraction of a second of it (COMMIT_WITHOUT_FLUSH).
  return sqlCount(db, Prisma.sql`${samplesInsert(nodeId, req.samples)} RETURNING ${COMMIT_WITHOUT_FLUSH}`);
}

/**
 * The `INSERT … SELECT` that keeps a node's samples, for a statement of its own or a CTE in another
 * (a completion carries the agent's samples): rows only where `onlyIf` holds. 400 INVALID_INPUT, before
 * anything is written, when a sample's time is not one.
 */
export function samplesInsert(nodeId: string, samples: readonly TMemorySample[], onlyIf: Prisma.Sql = Prisma.sql`TRUE`): Prisma.Sql {
  const rows = samples.map((s, i) => ({ ...s, at: sampleTime(s.at, `samples.${i}.at`), jobId: s.jobId !== null && isUuid(s.jobId) ? s.jobId : null }));
  return Prisma.sql`
    INSERT INTO "MemorySample" ("nodeId", "jobId", at, "usedMiB", "totalMiB", "processMiB", "utilPct")
    SELECT ${nodeId}::uuid, sj.id, s.at AT TIME ZONE 'UTC', s."usedMiB", s."totalMiB", s."processMiB", s."utilPct"
    FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS s("jobId" uuid, at timestamptz, "usedMiB" int, "totalMiB" int, "processMiB" int, "utilPct" float8)
    LEFT JOIN "Job" sj ON sj.id = s."jobId" AND sj."nodeId" = ${nodeId}::uuid
    WHERE ${onlyIf}`;
}

/** An agent's time of a reading, as ISO 8601 UTC; 400 INVALID_INPUT when it is not a date and time. */
export function sampleTime(at: string, field: string): string {
  const t = new Date(at);
  if (Number.isNaN(t.getTime())) throw new AppError("INVALID_INPUT", `${field}: ${JSON.stringify(at.slice(0, 40))} is not a date and time`);
  return t.toISOString();
}
