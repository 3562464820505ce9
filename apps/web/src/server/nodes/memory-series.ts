// A node's memory over time, downsampled in Postgres so a 7-day chart reads ~120k samples but
// sends at most ~300 points. Relative imports only, so integration tests load it without aliases.
//
// Raw SQL, only here, because Prisma's groupBy cannot group by an expression: date_bin puts each
// sample in an epoch-aligned bucket (lib/memory-buckets bucketStartMs does the same sum), and each
// bucket keeps max and avg used memory. Max, not only avg, so a short spike never averages away.
// The scan is the ("nodeId", "at") index range of that node's window.
import { PLAN_EACH_TIME, Prisma, type Db } from "@headroom/db";
import { z } from "zod";
import { MEMORY_RANGES, MEMORY_RANGES_MS, chartWindow, type TMemoryRange } from "../../lib/memory-buckets";

/** Node events drawn as markers on the chart. */
export const MARKER_EVENT_TYPES = ["cleanup", "sweep", "refusal", "oom", "runner_restart"] as const;
/** More markers than this in one window are thinned to the newest (a chart cannot show more anyway). */
const MAX_MARKERS = 500;

export const ZMemoryPointSchema = z.object({
  /** Bucket start, ms since the epoch. */
  t: z.number(),
  maxUsedMiB: z.number(),
  avgUsedMiB: z.number(),
  maxProcessMiB: z.number().nullable(),
  totalMiB: z.number(),
  samples: z.number().int(),
  /** Time of the newest sample in the bucket, ms. */
  lastAt: z.number(),
});
export type TMemoryPoint = z.infer<typeof ZMemoryPointSchema>;

export const ZMemoryMarkerSchema = z.object({
  at: z.number(),
  type: z.string(),
  beforeMiB: z.number().nullable(),
  afterMiB: z.number().nullable(),
  freedMiB: z.number().nullable(),
});
export type TMemoryMarker = z.infer<typeof ZMemoryMarkerSchema>;

export const ZMemorySeriesSchema = z.object({
  fromMs: z.number(),
  toMs: z.number(),
  bucketMs: z.number(),
  points: z.array(ZMemoryPointSchema),
  markers: z.array(ZMemoryMarkerSchema),
  /** Newest sample in the window, ms; null when the window has none. */
  lastSampleAt: z.number().nullable(),
});
export type TMemorySeries = z.infer<typeof ZMemorySeriesSchema>;

export const ZNodeMemoryInputSchema = z.object({ nodeId: z.string().uuid(), range: z.enum(MEMORY_RANGES as [TMemoryRange, ...TMemoryRange[]]) });

const ts = (ms: number) => Prisma.sql`${new Date(ms).toISOString()}::timestamp`;

type TBucketRow = { t: Date; maxUsedMiB: number; avgUsedMiB: number; maxProcessMiB: number | null; totalMiB: number; samples: number; lastAt: Date };

/**
 * Buckets of `bucketMs` over [fromMs, toMs], oldest first; empty buckets are absent (a gap in the line).
 * Past the raw window the samples live as 1-minute rollups (server/retention/rollup.ts); both tables
 * are read, and a rolled-up minute counts with its sample count, so max, avg and samples come out as
 * they would from the raw rows (each raw row is in exactly one of the two tables). A minute that
 * starts before `fromMs` but reaches into the window counts whole: a short window (a job's chart)
 * then still shows the minute it began in.
 */
export async function memoryBuckets(db: Db, nodeId: string, fromMs: number, toMs: number, bucketMs: number): Promise<TMemoryPoint[]> {
  const rows = await db.$queryRaw<TBucketRow[]>`${PLAN_EACH_TIME}
    WITH src AS (
      SELECT "at", "usedMiB" AS "maxUsed", "usedMiB"::float8 AS "sumUsed", 1 AS "n", "processMiB" AS "maxProcess", "totalMiB" AS "maxTotal", "at" AS "lastAt"
      FROM "MemorySample"
      WHERE "nodeId" = ${nodeId}::uuid AND "at" >= ${ts(fromMs)} AND "at" <= ${ts(toMs)}
      UNION ALL
      SELECT "minute", "maxUsedMiB", "sumUsedMiB"::float8, "samples", "maxProcessMiB", "maxTotalMiB", "lastAt"
      FROM "MemorySampleMinute"
      WHERE "nodeId" = ${nodeId}::uuid AND "minute" >= date_trunc('minute', ${ts(fromMs)}) AND "minute" <= ${ts(toMs)}
    )
    SELECT date_bin(${Math.round(bucketMs)}::int * interval '1 millisecond', "at", TIMESTAMP '1970-01-01') AS "t",
           max("maxUsed")::int AS "maxUsedMiB", (sum("sumUsed") / sum("n"))::float8 AS "avgUsedMiB", max("maxProcess")::int AS "maxProcessMiB",
           max("maxTotal")::int AS "totalMiB", sum("n")::int AS "samples", max("lastAt") AS "lastAt"
    FROM src
    GROUP BY 1
    ORDER BY 1`;
  return rows.map((r) => ({
    t: r.t.getTime(), maxUsedMiB: r.maxUsedMiB, avgUsedMiB: Math.round(r.avgUsedMiB * 10) / 10, maxProcessMiB: r.maxProcessMiB,
    totalMiB: r.totalMiB, samples: r.samples, lastAt: r.lastAt.getTime(),
  }));
}

export async function memoryMarkers(db: Db, nodeId: string, fromMs: number, toMs: number): Promise<TMemoryMarker[]> {
  const events = await db.nodeEvent.findMany({
    where: { nodeId, type: { in: [...MARKER_EVENT_TYPES] }, createdAt: { gte: new Date(fromMs), lte: new Date(toMs) } },
    orderBy: { createdAt: "desc" },
    take: MAX_MARKERS,
    select: { createdAt: true, type: true, beforeMiB: true, afterMiB: true, freedMiB: true },
  });
  return events.reverse().map((e) => ({ at: e.createdAt.getTime(), type: e.type, beforeMiB: e.beforeMiB, afterMiB: e.afterMiB, freedMiB: e.freedMiB }));
}

export async function memorySeries(db: Db, nodeId: string, win: { fromMs: number; toMs: number; bucketMs: number }): Promise<TMemorySeries> {
  const [points, markers] = await Promise.all([memoryBuckets(db, nodeId, win.fromMs, win.toMs, win.bucketMs), memoryMarkers(db, nodeId, win.fromMs, win.toMs)]);
  return { ...win, points, markers, lastSampleAt: points.at(-1)?.lastAt ?? null };
}

/** One node's chart for a named range ending now. */
export function nodeMemorySeries(db: Db, nodeId: string, range: TMemoryRange, nowMs: number): Promise<TMemorySeries> {
  return memorySeries(db, nodeId, chartWindow(nowMs, MEMORY_RANGES_MS[range]));
}
