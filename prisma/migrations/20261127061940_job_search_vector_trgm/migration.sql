-- Job history search, made cheap per row and indexable on both of its branches
-- (docs/bench-dashboard.md has the measurements):
--
-- 1. "searchVector": the words of the file name and recognised text, a stored generated column
--    (computed on insert/update, never by a query), with the GIN index "Job_text_search_idx" now on
--    the column instead of on the to_tsvector(...) expression. Walking "Job_createdAt_idx" for
--    `ORDER BY "createdAt" DESC LIMIT 25` then costs a tsvector match per row, not a to_tsvector
--    parse of the whole text. The expression is the one the old index had, so search finds the
--    same jobs. Queries use the column: JOB_SEARCH_VECTOR_SQL in @headroom/db.
--    Adding a stored column rewrites "Job" under an exclusive lock (~25 s for 100,000 jobs here).
--
-- 2. pg_trgm and a trigram GIN index on "fileName", so the part-of-a-file-name match
--    ("fileName" ILIKE '%…%') is an index scan instead of a read of the whole table, and the two
--    branches can be one OR (a BitmapOr of both indexes). pg_trgm ships with Postgres (contrib)
--    and is a trusted extension: a database owner without superuser can create it.
--
-- schema.prisma describes all three (Unsupported("tsvector") with dbgenerated, and
-- ops: raw("gin_trgm_ops")), so generated migrations neither drop nor re-create them.

-- AlterTable
ALTER TABLE "Job" ADD COLUMN "searchVector" tsvector
  GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, COALESCE("fileName", '') || ' ' || COALESCE("text", ''))) STORED;

-- DropIndex (the expression index of migration job_text_search)
DROP INDEX "Job_text_search_idx";

-- CreateIndex
CREATE INDEX "Job_text_search_idx" ON "Job" USING GIN ("searchVector");

-- CreateExtension
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- CreateIndex
CREATE INDEX "Job_fileName_trgm_idx" ON "Job" USING GIN ("fileName" gin_trgm_ops);
