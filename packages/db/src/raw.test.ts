// sqlRows and sqlCount against a real Postgres: the same rows and counts as $queryRaw and
// $executeRaw for every column and parameter type the code sends, on the client's own pool.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrismaClient, isUniqueViolation, Prisma, sqlCount, sqlRows, type PrismaClient } from "./index.ts";
import { isDatabaseUnavailable } from "./unavailable.ts";
import { createTestDatabase, type TestDatabase } from "./testing.ts";

describe("sqlRows and sqlCount", () => {
  let t: TestDatabase;
  let db: PrismaClient;
  beforeAll(async () => {
    t = await createTestDatabase();
    db = createPrismaClient(t.url, { poolMax: 2 });
  });
  afterAll(async () => {
    await db?.$disconnect();
    await t?.drop();
  });

  const at = new Date(Date.UTC(2026, 11, 7, 23, 59, 58, 123));
  const typed = () => Prisma.sql`
    SELECT ${at}::timestamp(3) AS ts, ${at}::timestamptz AS tstz, ${at}::date AS day,
      ${7}::int AS i4, ${9_007_199_254_740_993n}::bigint AS i8, count(*) AS n, ${2.5}::float8 AS f8,
      ${"12.50"}::numeric AS dec, ${true} AS yes, ${null}::int AS nothing, ${"ü"}::text AS txt,
      ${"5f0c3c2e-0c39-4a53-9f0f-2f1f8f3a1e42"}::uuid AS id, ${{ a: [1, "x"] }}::jsonb AS doc,
      ${["a", null, "c,d"]}::text[] AS texts, ${[1, 2]}::int[] AS ints, ${[at, at]}::timestamp(3)[] AS stamps,
      ARRAY[1, 2]::bigint[] AS bigs, decode('00ff', 'hex') AS bytes, 'ONLINE'::text AS status
    FROM (VALUES (1), (2)) AS v(x)`;

  it("hand back what $queryRaw does, column type by column type", async () => {
    const viaPrisma = await db.$queryRaw<Record<string, unknown>[]>(typed());
    const direct = await sqlRows<Record<string, unknown>>(db, typed());
    expect(Object.keys(direct[0]!)).toEqual(Object.keys(viaPrisma[0]!));
    for (const key of Object.keys(viaPrisma[0]!)) {
      const [p, d] = [viaPrisma[0]![key], direct[0]![key]];
      if (p instanceof Uint8Array) expect([...(d as Uint8Array)], key).toEqual([...p]);
      else if (Prisma.Decimal.isDecimal(p)) expect(String(d), key).toBe(String(p));
      else expect(d, key).toEqual(p);
    }
    expect(direct[0]!.ts).toEqual(at);
    expect(direct[0]!.i8).toBe(9_007_199_254_740_993n);
  });

  it("read a timestamp as UTC and send one as UTC whatever the process's time zone", async () => {
    const tz = process.env.TZ;
    process.env.TZ = "America/Los_Angeles";
    try {
      const [row] = await sqlRows<{ ts: Date; same: boolean }>(db, Prisma.sql`SELECT ${at}::timestamp(3) AS ts, ${at}::timestamp(3) = '2026-12-07 23:59:58.123' AS same`);
      expect(row).toEqual({ ts: at, same: true });
    } finally {
      process.env.TZ = tz;
    }
  });

  it("count the rows a write touched, as $executeRaw does", async () => {
    await db.$executeRaw`CREATE TABLE raw_count (n int)`;
    const insert = () => Prisma.sql`INSERT INTO raw_count SELECT generate_series(1, ${3}::int)`;
    expect(await sqlCount(db, insert())).toBe(await db.$executeRaw(insert()));
    expect(await sqlCount(db, Prisma.sql`DELETE FROM raw_count WHERE n > ${1}::int`)).toBe(4);
  });

  it("name each statement once, sharing the names the client's own queries use", async () => {
    const one = createPrismaClient(t.url, { poolMax: 1 });
    try {
      const q = (i: number) => Prisma.sql`SELECT ${i}::int AS shared_name_probe`;
      await one.$queryRaw(q(1));
      await sqlRows(one, q(2));
      await sqlRows(one, q(3));
      const held = await sqlRows<{ statement: string }>(one, Prisma.sql`SELECT statement FROM pg_prepared_statements`);
      expect(held.filter((r) => r.statement.includes("shared_name_probe"))).toHaveLength(1);
    } finally {
      await one.$disconnect();
    }
  });

  it("run inside a transaction through it, not on another connection", async () => {
    await db.$executeRaw`CREATE TABLE raw_tx (n int)`;
    await expect(
      db.$transaction(async (tx) => {
        await sqlCount(tx, Prisma.sql`INSERT INTO raw_tx VALUES (${1}::int)`);
        expect(await sqlRows(tx, Prisma.sql`SELECT n FROM raw_tx`)).toEqual([{ n: 1 }]);
        throw new Error("roll back");
      }),
    ).rejects.toThrow("roll back");
    expect(await sqlRows(db, Prisma.sql`SELECT n FROM raw_tx`)).toEqual([]);
  });

  it("report a unique violation that isUniqueViolation reads by column, as it reads Prisma's", async () => {
    await db.$executeRaw`CREATE TABLE raw_unique (slug text UNIQUE, other text)`;
    const insert = () => Prisma.sql`INSERT INTO raw_unique VALUES (${"a"}, ${"b"})`;
    await sqlCount(db, insert());
    const direct = await sqlCount(db, insert()).catch((e: unknown) => e);
    const viaPrisma = await db.$executeRaw(insert()).catch((e: unknown) => e);
    for (const err of [direct, viaPrisma]) {
      expect(isUniqueViolation(err, "slug")).toBe(true);
      expect(isUniqueViolation(err, "other")).toBe(false);
    }
    expect(isUniqueViolation(new Error("boom"), "slug")).toBe(false);
  });

  it("throw Postgres's error for a bad statement, and one that reads as unavailable when no server listens", async () => {
    await expect(sqlRows(db, Prisma.sql`SELECT ${"x"}::int`)).rejects.toMatchObject({ code: "22P02" });
    const gone = createPrismaClient("postgresql://u:p@127.0.0.1:1/none");
    const err = await sqlRows(gone, Prisma.sql`SELECT 1`).catch((e: unknown) => e);
    await gone.$disconnect();
    expect(isDatabaseUnavailable(err)).toBe(true);
  });
});
