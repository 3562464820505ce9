// The job history: one page of jobs with filters, search and sort, for the UI and GET /api/v1/jobs.
// Relative imports only, so the integration test can load it without the app's path aliases.
//
// Raw SQL, all of it in this file, because Prisma cannot say two of the things the page needs:
//  - search over the GIN index "Job_text_search_idx", which is used only when a query repeats its
//    exact expression (JOB_SEARCH_VECTOR_SQL) with `@@ websearch_to_tsquery('simple', …)`;
//  - sorting by duration, an expression over two columns (finishedAt − startedAt).
// Every value is a bound parameter; only fixed fragments from this file are spliced in.
//
// Search matches whole words of the file name or text (index), or any part of the file name
// (ILIKE, a sequential read of one short column). The two are a UNION of ids rather than an OR in
// one WHERE: with OR the planner cannot use the index and would compute to_tsvector for every row.
import { JOB_SEARCH_VECTOR_SQL, Prisma, type Db } from "@headroom/db";
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
    conds.push(Prisma.sql`j."id" IN (
      SELECT "id" FROM "Job" WHERE ${Prisma.raw(JOB_SEARCH_VECTOR_SQL)} @@ websearch_to_tsquery('simple', ${q})
      UNION
      SELECT "id" FROM "Job" WHERE "fileName" ILIKE ${likePattern(q)}
    )`);
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

/** `raw` may leave out defaults (page 1, 25 a page, newest first); it is parsed here. */
export async function listJobs(db: Db, raw: TJobFiltersInput): Promise<TJobListOutput> {
  const input = ZJobListInputSchema.parse(raw);
  const where = jobFilterSql(input);
  const offset = (input.page - 1) * input.pageSize;
  const [countRows, rows] = await Promise.all([
    db.$queryRaw<{ total: number }[]>`SELECT count(*)::int AS "total" FROM "Job" j ${where}`,
    db.$queryRaw<TRow[]>`
      SELECT j."id", j."fileName", j."mimeType", j."pages", j."status"::text AS "status", j."attempt", j."createdAt", j."startedAt", j."finishedAt",
             j."observedPeakMiB", j."predictedPeakMiB", j."errorCode", j."unschedulableReason", n."id" AS "nodeId", n."name" AS "nodeName"
      FROM "Job" j LEFT JOIN "Node" n ON n."id" = j."nodeId"
      ${where}
      ${jobOrderSql(input.sort, input.dir)}
      LIMIT ${input.pageSize} OFFSET ${offset}`,
  ]);
  const total = countRows[0]?.total ?? 0;
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
    page: input.page,
    pageSize: input.pageSize,
    pageCount: Math.max(1, Math.ceil(total / input.pageSize)),
  };
}
