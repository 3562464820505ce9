// Vitest globalSetup: one Postgres for the whole run, and one migrated template database that
// each test file clones (CREATE DATABASE ... TEMPLATE, much faster than migrating per file).
//
// The server is DATABASE_URL when set (CI may provide one; its role needs CREATEDB), otherwise an
// embedded Postgres in a temp directory on a free port. Names carry a per-run id so concurrent
// runs against one server do not collide; teardown drops whatever this run left behind.
import { randomBytes } from "node:crypto";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import type { TestProject } from "vitest/node";
import { freePort, migrate, startDatabase } from "./bootstrap.ts";
import { withDatabase } from "./testing-url.ts";
import "./testing-context.ts";


export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const runId = randomBytes(4).toString("hex");
  const template = `headroom_template_${runId}`;
  const external = process.env.DATABASE_URL || undefined;

  const dataDir = external ? undefined : await mkdtemp(path.join(tmpdir(), "headroom-test-pg-"));
  if (dataDir) await chmod(dataDir, 0o755); // as root, postgres runs as another user
  const db = await startDatabase({
    dataDir: dataDir ?? "",
    databaseUrl: external,
    port: dataDir ? await freePort() : undefined,
    database: "postgres",
    // Throwaway data: skip the disk flushes that make CREATE/DROP DATABASE slow.
    settings: { fsync: "off", synchronous_commit: "off", full_page_writes: "off" },
  });
  const adminUrl = db.url;

  const teardown = async () => {
    await dropRunDatabases(adminUrl, runId).catch((err: unknown) => console.error(err));
    await db.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  };
  try {
    await admin(adminUrl, (c) => c.query(`CREATE DATABASE ${c.escapeIdentifier(template)}`));
    await migrate(withDatabase(adminUrl, template));
  } catch (err) {
    await teardown();
    throw err;
  }
  project.provide("headroomDbAdminUrl", adminUrl);
  project.provide("headroomDbTemplate", template);
  return teardown;
}

async function admin<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Drops the template and any per-file database a crashed test file did not drop. */
async function dropRunDatabases(adminUrl: string, runId: string): Promise<void> {
  await admin(adminUrl, async (c) => {
    const { rows } = await c.query<{ datname: string }>(
      "SELECT datname FROM pg_database WHERE datname LIKE $1",
      [`headroom\\_%\\_${runId}%`],
    );
    for (const { datname } of rows) {
      await c.query(`DROP DATABASE IF EXISTS ${c.escapeIdentifier(datname)} WITH (FORCE)`);
    }
  });
}
