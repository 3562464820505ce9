// The job history: one page of jobs with filters, search and sort, for the UI and GET /api/v1/jobs.
// Relative imports only, so the integration test can load it without the app's path aliases.
//
// Raw SQL, all of it in this file, because Prisma cannot say three of the things the page needs:
//  - full-text search over the stored tsvector column "searchVector" (GIN index
//    "Job_text_search_idx") with `@@ websearch_to_tsquery('simple', …)` (JOB_SEARCH_VECTOR_SQL);
//  - sorting by duration, an expression over two columns (finishedAt − startedAt);
//  - a count that stops at a cap, and a materialised set of matches (below).
// Every value is a bound parameter; only fixed fragments from this file are spliced in.
//
// Search matches whole words of the file name or text (GIN on "searchVector"), or any part of the
// file name (ILIKE, through the pg_trgm GIN index "Job_fileName_trgm_idx"). Both branches are
// indexed, so they are one OR, which the planner runs as a BitmapOr of the two indexes or checks
// row by row while walking "Job_createdAt_idx" (cheap: a stored tsvector, not a to_tsvector parse).
//
// A search counts its matches first, up to a cap (SEARCH_COUNT_CAP, or further when the page asked
// for lies beyond it), and the count picks the plan for the page:
//  - more matches than the cap (a broad search): the plain ORDER BY … LIMIT, which Postgres runs by
//    walking the createdAt index until it has a page; `totalCapped` says `total` is a lower bound.
//  - at most the cap: the matches are collected first (a MATERIALIZED CTE, from the indexes) and
//    sorted. Left to itself the planner may walk the createdAt index for a rare word, since it
//    cannot tell a rare word from an unknown one, and would read the whole table to find none.
// Without a search the count is exact: plain filters are cheap per row (docs/bench-dashboard.md).
import { JOB_SEARCH_VECTOR_SQL, PLAN_EACH_TIME, Prisma, type Db } from "@headroom/db";
import { dayRange } from "../../lib/job-filters";
import { ZJobListInputSchema, type TJobListInput, type TJobListOutput } from "./list-jobs.types";
import type { TJobFiltersInput } from "../../lib/job-filters";

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** `%` and `_` in what the user typed match themselves, not any character. */
export function likePattern(q: string): string {
  return `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** A timestamp(3) column holds UTC wall time; the ISO string's `Z` is dropped by the cast, which is what we want. */
const ts = (d: Date) => Prisma.sql`${d.toISOString()}::timestamp`;

export function jobFilterSql(input: Pick<TJobListInput, "status" | "nodeId" | "type" | "from" | "to" | "q">): Prisma.Sql {
  const conds: Prisma.Sql[] = [];
  if (input.status) conds.push(Prisma.sql`j."status" = ${input.status}::"JobStatus"`);
  if (input.nodeId) conds.push(Prisma.sql`j."nodeId" = ${input.nodeId}::uuid`);
  if (input.type === "pdf") conds.push(Prisma.sql`j."mimeType" = 'application/pdf'`);
  if (input.type === "image") conds.push(Prisma.sql`j."mimeType" LIKE 'image/%'`);
  const { gte, lt } = dayRange(input.from, input.to);
  if (gte) conds.push(Prisma.sql`j."createdAt" >= ${ts(gte)}`);
  if (lt) conds.push(Prisma.sql`j."createdAt" < ${ts(lt)}`);
  const q = input.q?.trim();
  if (q) {
    conds.push(Prisma.sql`(${Prisma.raw(JOB_SEARCH_VECTOR_SQL)} @@ websearch_to_tsquery('simple', ${q}) OR j."fileName" ILIKE ${likePattern(q)})`);
  }
  return conds.length ? Prisma.sql`WHERE ${Prisma.join(conds, " AND ")}` : Prisma.empty;
}

/** Fixed fragments only. Ties always end on createdAt and id, so pages never overlap or skip. */
export function jobOrderSql(sort: TJobListInput["sort"], dir: TJobListInput["dir"]): Prisma.Sql {
  const d = dir === "asc" ? Prisma.raw("ASC") : Prisma.raw("DESC");
  switch (sort) {
    case "created":
      return Prisma.sql`ORDER BY j."createdAt" ${d}, j."id" ${d}`;
    case "duration":
      return Prisma.sql`ORDER BY (j."finishedAt" - j."startedAt") ${d} NULLS LAST, j."createdAt" DESC, j."id" DESC`;
    case "peak":
      return Prisma.sql`ORDER BY j."observedPeakMiB" ${d} NULLS LAST, j."createdAt" DESC, j."id" DESC`;
  }
}

type TRow = {
  id: string; fileName: string; mimeType: string; pages: number; status: TJobListInput["status"] & string; attempt: number;
  createdAt: Date; startedAt: Date | null; finishedAt: Date | null; observedPeakMiB: number | null; predictedPeakMiB: number | null;
  errorCode: string | null; unschedulableReason: string | null; nodeId: string | null; nodeName: string | null;
};

/** A search counts its matches up to this many; beyond it the total is reported as "more than". */
export const SEARCH_COUNT_CAP = 10_000;

/** What a page shows of a job; the CTE of a narrow search holds only these. */
const JOB_COLUMNS = Prisma.sql`j."id", j."fileName", j."mimeType", j."pages", j."status", j."attempt", j."createdAt", j."startedAt", j."finishedAt",
  j."observedPeakMiB", j."predictedPeakMiB", j."errorCode", j."unschedulableReason", j."nodeId"`;

/** `raw` may leave out defaults (page 1, 25 a page, newest first); it is parsed here. */
export async function listJobs(db: Db, raw: TJobFiltersInput): Promise<TJobListOutput> {
  const input = ZJobListInputSchema.parse(raw);
  const where = jobFilterSql(input);
  const offset = (input.page - 1) * input.pageSize;
  /** One page of `source`, a FROM list whose jobs are `j` (preceded by `withSql`, a CTE, if any). */
  const page = (withSql: Prisma.Sql, source: Prisma.Sql) => db.$queryRaw<TRow[]>`${PLAN_EACH_TIME}${withSql}
    SELECT j."id", j."fileName", j."mimeType", j."pages", j."status"::text AS "status", j."attempt", j."createdAt", j."startedAt", j."finishedAt",
           j."observedPeakMiB", j."predictedPeakMiB", j."errorCode", j."unschedulableReason", n."id" AS "nodeId", n."name" AS "nodeName"
    FROM ${source}
    ${jobOrderSql(input.sort, input.dir)}
    LIMIT ${input.pageSize} OFFSET ${offset}`;
  const plainPage = () => page(Prisma.empty, Prisma.sql`"Job" j LEFT JOIN "Node" n ON n."id" = j."nodeId" ${where}`);

  if (!input.q?.trim()) {
    const [countRows, rows] = await Promise.all([
      db.$queryRaw<{ total: number }[]>`${PLAN_EACH_TIME}SELECT count(*)::int AS "total" FROM "Job" j ${where}`,
      plainPage(),
    ]);
    return output(input, rows, countRows[0]?.total ?? 0, false);
  }

  // Count one past the cap, or past the requested page when it lies beyond the cap, so that a
  // capped total still covers the page shown.
  const limit = Math.max(SEARCH_COUNT_CAP, offset + input.pageSize) + 1;
  const counted = await db.$queryRaw<{ n: number }[]>`${PLAN_EACH_TIME}SELECT count(*)::int AS "n" FROM (SELECT 1 FROM "Job" j ${where} LIMIT ${limit}) m`;
  const n = counted[0]?.n ?? 0;
  if (n >= limit) return output(input, await plainPage(), limit - 1, true);
  if (offset >= n) return output(input, [], n, false);
  const rows = await page(
    Prisma.sql`WITH "matches" AS MATERIALIZED (SELECT ${JOB_COLUMNS} FROM "Job" j ${where})`,
    Prisma.sql`"matches" j LEFT JOIN "Node" n ON n."id" = j."nodeId"`,
  );
  return output(input, rows, n, false);
}

function output(input: TJobListInput, rows: TRow[], total: number, totalCapped: boolean): TJobListOutput {
  return {
    items: rows.map((j) => ({
      id: j.id,
      fileName: j.fileName,
      mimeType: j.mimeType,
      pages: j.pages,
      status: j.status,
      attempt: j.attempt,
      node: j.nodeId && j.nodeName ? { id: j.nodeId, name: j.nodeName } : null,
      createdAt: j.createdAt.toISOString(),
      startedAt: iso(j.startedAt),
      finishedAt: iso(j.finishedAt),
      durationMs: j.startedAt && j.finishedAt ? j.finishedAt.getTime() - j.startedAt.getTime() : null,
      observedPeakMiB: j.observedPeakMiB,
      predictedPeakMiB: j.predictedPeakMiB,
      errorCode: j.errorCode,
      unschedulableReason: j.unschedulableReason,
    })),
    total,
    totalCapped,
    page: input.page,
    pageSize: input.pageSize,
    pageCount: Math.max(1, Math.ceil(total / input.pageSize)),
  };
}
