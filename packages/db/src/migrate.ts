// Applies the committed migrations (prisma/migrations, Prisma's own layout) the way
// `prisma migrate deploy` does: unapplied ones run in name order, each recorded in
// `_prisma_migrations` with its checksum. Running it again applies nothing.
import { defaultMigrationsDir, noFilters, readMigrations, withSchemaEngine, type EngineLog } from "./schema-engine.ts";

export interface MigrateOptions {
  migrationsDir?: string;
  log?: EngineLog;
}

export async function migrate(url: string, opts: MigrateOptions = {}): Promise<{ applied: string[] }> {
  const migrationsList = await readMigrations(opts.migrationsDir ?? defaultMigrationsDir);
  if (migrationsList.migrationDirectories.length === 0) {
    throw new Error(`no migrations found in ${migrationsList.baseDir}`);
  }
  return withSchemaEngine(url, { log: opts.log }, async (engine) => {
    const { appliedMigrationNames } = await engine.applyMigrations({ migrationsList, filters: noFilters });
    return { applied: appliedMigrationNames };
  });
}
