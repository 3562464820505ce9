import { readdir } from "node:fs/promises";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrate } from "./migrate.ts";
import { diffMigrationsToSchema } from "./migration-diff.ts";
import { defaultMigrationsDir } from "./schema-engine.ts";
import { useTestDatabase } from "./testing.ts";
import { JOB_SEARCH_VECTOR_SQL } from "./index.ts";

const t = useTestDatabase({ migrated: false });
let client: pg.Client;

beforeAll(async () => {
  client = new pg.Client({ connectionString: t.url });
  await client.connect();
});
afterAll(async () => {
  await client?.end();
});

describe("migrate", () => {
  it("applies every committed migration once, in order, and records them", async () => {
    const committed = (await readdir(defaultMigrationsDir, { withFileTypes: true }))
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort();
    expect(committed.length).toBeGreaterThanOrEqual(2);

    expect(await migrate(t.url)).toEqual({ applied: committed });
    expect(await migrate(t.url)).toEqual({ applied: [] });

    const { rows } = await client.query<{ migration_name: string; finished_at: Date | null }>(
      `SELECT migration_name, finished_at FROM "_prisma_migrations" ORDER BY migration_name`,
    );
    expect(rows.map((r) => r.migration_name)).toEqual(committed);
    expect(rows.every((r) => r.finished_at !== null)).toBe(true);
  });

  it("creates the schema's tables", async () => {
    const { rows } = await client.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`,
    );
    expect(rows.map((r) => r.table_name)).toEqual([
      "ApiKey", "FleetSettings", "Job", "JobEvent", "MemorySample", "MemorySampleMinute", "Node", "NodeEvent",
      "NodeSettingsOverride", "RateLimitBucket", "RetentionSettings", "Session", "SettingsAudit", "StoredFile", "StoredFileChunk", "User", "_prisma_migrations",
    ]);
  });

  it("creates the search column and its full-text index on Job, and a search on the column uses it", async () => {
    const { rows } = await client.query<{ indexdef: string }>(
      `SELECT indexdef FROM pg_indexes WHERE tablename = 'Job' AND indexname = 'Job_text_search_idx'`,
    );
    expect(rows[0]?.indexdef).toMatch(/USING gin \("searchVector"\)/);
    expect(JOB_SEARCH_VECTOR_SQL).toBe(`"searchVector"`);
    // A stored generated column over the file name and text, 'simple' configuration.
    const col = await client.query<{ is_generated: string; generation_expression: string; data_type: string }>(
      `SELECT is_generated, generation_expression, data_type FROM information_schema.columns WHERE table_name = 'Job' AND column_name = 'searchVector'`,
    );
    expect(col.rows[0]).toMatchObject({ is_generated: "ALWAYS", data_type: "tsvector" });
    expect(col.rows[0]?.generation_expression).toMatch(/^to_tsvector\('simple'::regconfig, .*COALESCE\("fileName", ''::text\).*COALESCE\(text, ''::text\)/);

    await client.query("SET enable_seqscan = off");
    const plan = await client.query(
      `EXPLAIN SELECT id FROM "Job" WHERE ${JOB_SEARCH_VECTOR_SQL} @@ websearch_to_tsquery('simple', 'invoice')`,
    );
    expect(JSON.stringify(plan.rows)).toContain("Job_text_search_idx");
  });

  it("creates pg_trgm and a trigram index on Job.fileName that a part-of-the-name ILIKE uses", async () => {
    const { rows } = await client.query<{ indexdef: string }>(
      `SELECT indexdef FROM pg_indexes WHERE tablename = 'Job' AND indexname = 'Job_fileName_trgm_idx'`,
    );
    expect(rows[0]?.indexdef).toMatch(/USING gin \("fileName" gin_trgm_ops\)/);
    const plan = await client.query(`EXPLAIN SELECT id FROM "Job" WHERE "fileName" ILIKE '%scan-04%'`);
    expect(JSON.stringify(plan.rows)).toContain("Job_fileName_trgm_idx");
  });

  it("leaves nothing for a new migration: schema and migrations agree, hand-made index kept", async () => {
    expect(await diffMigrationsToSchema(t.url)).toBeNull();
  });
});
