// What a new migration would contain: the committed migrations replayed into a throwaway shadow
// database, diffed against prisma/schema.prisma. The same question `prisma migrate dev
// --create-only` answers.
//
// Not engine.createMigration: in the wasm build it replays history through the main connection,
// which refuses ("PostgreSQL shadow DB must be provided through an external factory"). `diff` from
// a migrations directory gets its shadow database from the adapter factory instead.
//
// Hand-written objects that schema.prisma cannot describe (the expression index on "Job" from the
// job_text_search migration) do not show up as drops: the engine's Postgres describer skips
// expression indexes. migration-diff.test.ts checks that this stays true.
import { readFile } from "node:fs/promises";
import {
  defaultMigrationsDir,
  defaultSchemaPath,
  noFilters,
  readMigrations,
  withSchemaEngine,
} from "./schema-engine.ts";

export async function diffMigrationsToSchema(
  url: string,
  opts: { migrationsDir?: string; schemaPath?: string } = {},
): Promise<string | null> {
  const schemaPath = opts.schemaPath ?? defaultSchemaPath;
  const schema = { path: schemaPath, content: await readFile(schemaPath, "utf8") };
  const migrationsList = await readMigrations(opts.migrationsDir ?? defaultMigrationsDir);
  const { stdout } = await withSchemaEngine(url, { datamodel: schema }, (engine) =>
    engine.diff({
      from: { tag: "migrations", ...migrationsList },
      to: { tag: "schemaDatamodel", files: [schema] },
      script: true,
      exitCode: null,
      filters: noFilters,
    }),
  );
  // An empty diff comes back as a comment only ("-- This is an empty migration.").
  const hasSql = (stdout ?? "").split("\n").some((l) => l.trim() !== "" && !l.trim().startsWith("--"));
  return hasSql ? stdout : null;
}
