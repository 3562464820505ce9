import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "./testing.ts";

let a: TestDatabase;
let b: TestDatabase;

beforeAll(async () => {
  [a, b] = await Promise.all([createTestDatabase(), createTestDatabase()]);
});
afterAll(async () => {
  await Promise.all([a?.drop(), b?.drop()]);
});

describe("createTestDatabase", () => {
  it("gives each caller its own migrated database", async () => {
    expect(a.url).not.toBe(b.url);
    await a.prisma.fleetSettings.create({ data: { id: 1 } });
    expect(await a.prisma.fleetSettings.count()).toBe(1);
    expect(await b.prisma.fleetSettings.count()).toBe(0);
  });

  it("drop() removes the database", async () => {
    const extra = await createTestDatabase();
    await extra.prisma.node.count(); // opens a connection that drop() must close
    const name = new URL(extra.url).pathname.slice(1);
    await extra.drop();

    const admin = new pg.Client({ connectionString: inject("headroomDbAdminUrl") });
    await admin.connect();
    const { rowCount } = await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
    await admin.end();
    expect(rowCount).toBe(0);
  });
});
