-- Full-text search over a job's file name and recognised text, for the job history search.
-- Written by hand: schema.prisma cannot describe an expression index. Generated migrations keep
-- it (packages/db/src/hand-managed.ts). Queries use the index only when they repeat this exact
-- expression (jobSearchVectorSql in @headroom/db), e.g.
--   WHERE <expression> @@ websearch_to_tsquery('simple', $1)
-- 'simple' (no stemming, no stop words) because OCR text mixes languages, codes and numbers.

-- CreateIndex
CREATE INDEX "Job_text_search_idx" ON "Job" USING GIN (
  to_tsvector('simple', coalesce("fileName", '') || ' ' || coalesce("text", ''))
);
