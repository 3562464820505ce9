// Readiness: the database answers and has every migration this build ships. A replica of a newer
// build waits (503) until the migration Job has run; replicas of the older build stay ready, since
// what they know is already applied.
import { readdir } from "node:fs/promises";
import type { Db } from "@headroom/db";

export type THealth = { status: "ok" | "degraded"; database: "ok" | "unreachable"; migrations: "applied" | "pending" | "unknown"; pending?: string[] };

let shipped: Promise<string[] | null> | undefined;

/** The migration names under `dir` (read once), or null where the build carries none to compare with. */
function shippedMigrations(dir: string): Promise<string[] | null> {
  shipped ??= readdir(dir, { withFileTypes: true }).then(
    (entries) => entries.filter((e) => e.isDirectory()).map((e) => e.name).sort(),
    () => null,
  );
  return shipped;
}

export async function health(db: Db, migrationsDir: string): Promise<THealth> {
  let applied: string[];
  try {
    const rows = await db.$queryRaw<{ migration_name: string }[]>`SELECT migration_name FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`;
    applied = rows.map((r) => r.migration_name);
  } catch (err) {
    // No _prisma_migrations table yet is a database that answers but was never migrated.
    if (/_prisma_migrations/.test((err as Error).message)) return { status: "degraded", database: "ok", migrations: "pending" };
    return { status: "degraded", database: "unreachable", migrations: "unknown" };
  }
  const names = await shippedMigrations(migrationsDir);
  if (names === null) return { status: "ok", database: "ok", migrations: "unknown" };
  const have = new Set(applied);
  const pending = names.filter((n) => !have.has(n));
  return pending.length ? { status: "degraded", database: "ok", migrations: "pending", pending } : { status: "ok", database: "ok", migrations: "applied" };
}

/** For tests: forget the directory read, so another directory can be checked. */
export function resetShippedMigrations(): void {
  shipped = undefined;
}
