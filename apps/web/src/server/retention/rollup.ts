// Memory samples past the raw window become 1-minute buckets per node; buckets past their own
// retention are deleted. Raw SQL because Prisma can say neither a data-modifying CTE nor an upsert
// from a GROUP BY.
//
// One batch is one statement: pick up to `batchRows` old raw rows, delete them, and add them into
// their minutes (ON CONFLICT merges into a minute an earlier batch started). Deleting and adding in
// the same statement is what makes it idempotent: a row is either still raw or already counted,
// never both, whatever fails in between. Batches keep each transaction short on a big backlog.
// Rows are picked per node through the ("nodeId", "at") index, so a run that finds nothing old
// costs one index probe per node, not a scan of the table. The delete names its rows as an id
// array (= ANY), which Postgres can look up through the primary key; written as a join (USING
// picked) it cost about 150 ms more per batch whatever the batch size (below), as a pass over the
// whole table would (not confirmed with EXPLAIN).
//
// `npm run bench:retention`, 2-core shared dev machine (AMD EPYC, loaded by other work),
// 500,000 raw rows over 20 nodes: batches of 5,000 (shipped) 9.6 s in all, 52k rows/s, p50 92 ms and
// at most 252 ms a batch; batches of 50,000 7.7 s, 745 ms each; everything in one statement 6.4 s
// in one 6.4 s transaction. The join form of the delete took 23.5 s at 5,000 (241 ms a batch). One
// node's 7-day chart: 65 ms on 25,000 raw rows, 15 ms on their rollups, same points.
import { Prisma, type Db } from "@headroom/db";

const ts = (d: Date) => Prisma.sql`${d.toISOString()}::timestamp`;

/** Rolls up at most `batchRows` raw samples older than `before`; returns how many raw rows went. */
export async function rollUpSamplesBatch(db: Db, before: Date, batchRows: number): Promise<{ rows: number; minutes: number }> {
  const [r] = await db.$queryRaw<{ rows: number; minutes: number }[]>`
    WITH picked AS (
      SELECT s.id FROM "Node" n
      CROSS JOIN LATERAL (
        SELECT id FROM "MemorySample" WHERE "nodeId" = n.id AND "at" < ${ts(before)} ORDER BY "at" LIMIT ${batchRows}
      ) s
      LIMIT ${batchRows}
    ), gone AS (
      DELETE FROM "MemorySample" m WHERE m.id = ANY (ARRAY(SELECT id FROM picked))
      RETURNING m."nodeId", m."at", m."usedMiB", m."totalMiB", m."processMiB", m."utilPct"
    ), merged AS (
      INSERT INTO "MemorySampleMinute" AS b ("nodeId", "minute", "samples", "minUsedMiB", "maxUsedMiB", "sumUsedMiB", "maxProcessMiB", "maxTotalMiB", "maxUtilPct", "lastAt")
      SELECT "nodeId", date_trunc('minute', "at"), count(*), min("usedMiB"), max("usedMiB"), sum("usedMiB"), max("processMiB"), max("totalMiB"), max("utilPct"), max("at")
      FROM gone
      GROUP BY 1, 2
      ON CONFLICT ("nodeId", "minute") DO UPDATE SET
        "samples" = b."samples" + EXCLUDED."samples",
        "minUsedMiB" = LEAST(b."minUsedMiB", EXCLUDED."minUsedMiB"),
        "maxUsedMiB" = GREATEST(b."maxUsedMiB", EXCLUDED."maxUsedMiB"),
        "sumUsedMiB" = b."sumUsedMiB" + EXCLUDED."sumUsedMiB",
        "maxProcessMiB" = GREATEST(b."maxProcessMiB", EXCLUDED."maxProcessMiB"),
        "maxTotalMiB" = GREATEST(b."maxTotalMiB", EXCLUDED."maxTotalMiB"),
        "maxUtilPct" = GREATEST(b."maxUtilPct", EXCLUDED."maxUtilPct"),
        "lastAt" = GREATEST(b."lastAt", EXCLUDED."lastAt")
      RETURNING 1
    )
    SELECT (SELECT count(*) FROM gone)::int AS "rows", (SELECT count(*) FROM merged)::int AS "minutes"`;
  return r ?? { rows: 0, minutes: 0 };
}

/** Deletes at most `batchRows` 1-minute buckets older than `before`; returns how many went. */
export async function deleteOldMinutesBatch(db: Db, before: Date, batchRows: number): Promise<number> {
  return db.$executeRaw`
    DELETE FROM "MemorySampleMinute" WHERE ("nodeId", "minute") IN (
      SELECT "nodeId", "minute" FROM "MemorySampleMinute" WHERE "minute" < ${ts(before)} LIMIT ${batchRows}
    )`;
}
