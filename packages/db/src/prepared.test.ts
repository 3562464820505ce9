// Prepared statements: one name per distinct statement, capped, and really prepared on the
// connection (against a real Postgres), or not at all when turned off.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrismaClient, PLAN_EACH_TIME, Prisma, statementNames, type PrismaClient } from "./index.ts";
import { createTestDatabase, type TestDatabase } from "./testing.ts";

describe("statementNames", () => {
  it("names each distinct statement once, and none past the cap", () => {
    const name = statementNames(2);
    const a = name({ sql: "SELECT 1" });
    const b = name({ sql: "SELECT $1" });
    expect(a).not.toBe(b);
    expect(name({ sql: "SELECT 1" })).toBe(a);
    expect(name({ sql: "SELECT 2" })).toBeUndefined();
    expect(name({ sql: "SELECT $1" })).toBe(b);
  });

  it("leaves a statement that asks to be planned each time unnamed", () => {
    const name = statementNames();
    const sql = Prisma.sql`${PLAN_EACH_TIME}SELECT ${1}::int`;
    expect(sql.text.startsWith("/* headroom: plan each time */")).toBe(true);
    expect(name({ sql: sql.text })).toBeUndefined();
    expect(name({ sql: "SELECT $1::int" })).toBeDefined();
  });
});

describe("a client's statements on its connection", () => {
  let t: TestDatabase;
  const clients: PrismaClient[] = [];
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.$disconnect()));
    await t?.drop();
  });
  /** What this connection holds prepared, after a model query and a raw one ran twice each. */
  async function preparedAfterUse(preparedStatements: boolean): Promise<string[]> {
    const db = createPrismaClient(t.url, { poolMax: 1, preparedStatements });
    clients.push(db);
    for (let i = 0; i < 2; i++) {
      await db.node.count({ where: { status: "ONLINE" } });
      expect(await db.$queryRaw<{ n: number }[]>`SELECT ${i}::int AS n`).toEqual([{ n: i }]);
      expect(await db.$queryRaw<{ m: number }[]>`${PLAN_EACH_TIME}SELECT ${i}::int AS m`).toEqual([{ m: i }]);
    }
    const rows = await db.$queryRaw<{ statement: string }[]>`SELECT statement FROM pg_prepared_statements ORDER BY prepare_time`;
    return rows.map((r) => r.statement);
  }

  it("are prepared once and reused", async () => {
    const held = await preparedAfterUse(true);
    expect(held.filter((s) => /FROM "public"\."Node"/.test(s))).toHaveLength(1);
    expect(held.filter((s) => /SELECT \$1::int AS n/.test(s))).toHaveLength(1);
    expect(held.filter((s) => /AS m/.test(s))).toEqual([]);
  });

  it("are not prepared when turned off", async () => {
    expect(await preparedAfterUse(false)).toEqual([]);
  });
});
