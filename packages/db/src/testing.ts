// Per-file test databases. Each call clones the run's migrated template (see
// test-global-setup.ts), so a file starts from an empty, fully migrated schema of its own:
//
//   const t = useTestDatabase();
//   it("...", async () => { await t.db.job.count(); });
import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, inject } from "vitest";
import { createPrismaClient, type PrismaClient } from "./index.ts";
import { withDatabase } from "./testing-url.ts";
import "./testing-context.ts";

export { withApplicationName, withDatabase } from "./testing-url.ts";

export interface TestDatabase {
  url: string;
  prisma: PrismaClient;
  /** Disconnects the client and drops the database (connections still open are terminated). */
  drop(): Promise<void>;
}

export interface CreateTestDatabaseOptions {
  /** false: an empty database (no migrations applied), for testing migrations themselves. */
  migrated?: boolean;
}

export async function createTestDatabase(opts: CreateTestDatabaseOptions = {}): Promise<TestDatabase> {
  const adminUrl = inject("headroomDbAdminUrl");
  const template = inject("headroomDbTemplate");
  if (!adminUrl || !template) {
    throw new Error("no test database server: run under the root vitest.config.ts (its globalSetup starts one)");
  }
  // headroom_test_<runId>_<random>: the run id lets global teardown find leftovers.
  const name = `${template.replace("_template_", "_test_")}_${randomBytes(4).toString("hex")}`;
  const from = opts.migrated === false ? "template0" : template;
  await adminQuery(adminUrl, (c) => `CREATE DATABASE ${c.escapeIdentifier(name)} TEMPLATE ${c.escapeIdentifier(from)}`);
  const url = withDatabase(adminUrl, name);
  const prisma = createPrismaClient(url, { poolMax: 4 });
  let dropped = false;
  return {
    url,
    prisma,
    async drop() {
      if (dropped) return;
      dropped = true;
      await prisma.$disconnect();
      await adminQuery(adminUrl, (c) => `DROP DATABASE IF EXISTS ${c.escapeIdentifier(name)} WITH (FORCE)`);
    },
  };
}

/**
 * One database for the calling test file: created in beforeAll, dropped in afterAll. Register it
 * before the file's own hooks, so they run after it is created and before it is dropped.
 */
export function useTestDatabase(opts: CreateTestDatabaseOptions = {}): { readonly db: PrismaClient; readonly url: string } {
  let current: TestDatabase | undefined;
  beforeAll(async () => {
    current = await createTestDatabase(opts);
  });
  afterAll(() => current?.drop());
  // Getters, not fields: the database exists only once beforeAll has run.
  const get = () => {
    if (!current) throw new Error("useTestDatabase: the database exists only in tests and hooks, after its beforeAll");
    return current;
  };
  return {
    get db() {
      return get().prisma;
    },
    get url() {
      return get().url;
    },
  };
}

async function adminQuery(url: string, sql: (client: pg.Client) => string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql(client));
  } finally {
    await client.end();
  }
}

/** Waits until `ok()` holds, polling every 20 ms; fails naming `what` after `timeoutMs`. */
export async function until(what: string, ok: () => boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
