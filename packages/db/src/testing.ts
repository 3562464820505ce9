// Per-file test databases. Each call clones the run's migrated template (see
// test-global-setup.ts), so a file starts from an empty, fully migrated schema of its own:
//
//   let db: TestDatabase;
//   beforeAll(async () => { db = await createTestDatabase(); });
//   afterAll(() => db.drop());
import { randomBytes } from "node:crypto";
import pg from "pg";
import { inject } from "vitest";
import { createPrismaClient, type PrismaClient } from "./index.ts";
import { withDatabase } from "./testing-url.ts";
import "./testing-context.ts";

export { withDatabase } from "./testing-url.ts";

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

async function adminQuery(url: string, sql: (client: pg.Client) => string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql(client));
  } finally {
    await client.end();
  }
}
