// Raw SQL on the client's own pg pool, past Prisma's query machinery. The fleet's hot statements (a
// heartbeat, a claim, a job's start and end, an upload's insert) are one raw statement each, and
// through `$queryRaw` Prisma's serialising, its query plan interpreter and its row mapping cost more
// CPU than pg itself: a heartbeat-sized UPDATE … RETURNING took 0.72 ms of the caller's CPU back to
// back through Prisma and 0.27 ms through pg with the same named statement (docs/scaling.md, "Open:
// what else a replica pays a request"). The pool is the one the client's adapter uses, so there is
// still one client and one set of connections; a transaction's client has no pool of its own here
// and goes through Prisma, inside its transaction.
import pg from "pg";
import type { Db, PrismaClient } from "./index.ts";
import { Prisma } from "./generated/client.ts";

type TDirect = { pool: pg.Pool; name: (query: { sql: string }) => string | undefined };
const direct = new WeakMap<object, TDirect>();

/** Lets `sqlRows` and `sqlCount` send a client's statements straight to its pool (createPrismaClient does this). */
export function registerDirectPool(client: PrismaClient, pool: pg.Pool, name: TDirect["name"]): void {
  direct.set(client, { pool, name });
}

/** The rows of a raw statement, typed as `$queryRaw` types them (a test holds the two paths equal). */
export async function sqlRows<T>(db: Db, sql: Prisma.Sql): Promise<T[]> {
  const d = direct.get(db);
  if (!d) return db.$queryRaw<T[]>(sql);
  return (await run(d, sql)).rows as T[];
}

/** The rows a raw statement touched, as `$executeRaw` counts them. */
export async function sqlCount(db: Db, sql: Prisma.Sql): Promise<number> {
  const d = direct.get(db);
  if (!d) return db.$executeRaw(sql);
  return (await run(d, sql)).rowCount ?? 0;
}

/**
 * A unique-constraint violation involving `column`, however it came: Postgres's own error (23505)
 * from sqlRows and sqlCount, or Prisma's (P2002 from its model queries, P2010 from a raw one).
 */
export function isUniqueViolation(err: unknown, column: string): boolean {
  const e = err as { code?: unknown; constraint?: unknown; detail?: unknown; meta?: unknown } | null;
  if (!e || typeof e !== "object") return false;
  if (e.code === "23505") return `${String(e.constraint)} ${String(e.detail)}`.includes(column);
  return (e.code === "P2002" || e.code === "P2010") && JSON.stringify(e.meta ?? {}).includes(column);
}

function run(d: TDirect, sql: Prisma.Sql): Promise<pg.QueryResult> {
  const text = sql.text;
  return d.pool.query({ name: d.name({ sql: text }), text, values: sql.values.map(toParam), types: PRISMA_TYPES });
}

/** A parameter as Prisma's pg adapter sends it: dates in UTC without a zone (the columns are `timestamp(3)`), as pg would otherwise send local time. */
function toParam(v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (v instanceof Date) return utcTimestamp(v);
  if (Array.isArray(v)) return v.map(toParam);
  if (typeof v === "bigint") return v.toString();
  if (Prisma.Decimal.isDecimal(v)) return (v as Prisma.Decimal).toString();
  return v;
}

function utcTimestamp(d: Date): string {
  return d.toISOString().replace("T", " ").replace("Z", "");
}

/**
 * Column types where pg's defaults differ from what `$queryRaw` hands back: `timestamp` read as UTC
 * (pg reads it as local time), `date` as UTC midnight, `int8` as a BigInt, `numeric` as a Decimal.
 */
const OID = { int8: 20, date: 1082, timestamp: 1114, numeric: 1700, int8Array: 1016, timestampArray: 1115, dateArray: 1182, numericArray: 1231 } as const;
const parseTimestamp = (s: string) => new Date(`${s.replace(" ", "T")}Z`);
const parseDate = (s: string) => new Date(`${s}T00:00:00Z`);
const parseBigInt = (s: string) => BigInt(s);
const parseDecimal = (s: string) => new Prisma.Decimal(s);
const arrayOf = (parse: (s: string) => unknown) => {
  const parseArray = pg.types.getTypeParser(1009 as Parameters<typeof pg.types.getTypeParser>[0] /* text[]: its elements as strings */) as (s: string) => (string | null)[];
  return (s: string) => parseArray(s).map((x) => (x === null ? null : parse(x)));
};
const PARSERS: Record<number, (s: string) => unknown> = {
  [OID.int8]: parseBigInt,
  [OID.date]: parseDate,
  [OID.timestamp]: parseTimestamp,
  [OID.numeric]: parseDecimal,
  [OID.int8Array]: arrayOf(parseBigInt),
  [OID.timestampArray]: arrayOf(parseTimestamp),
  [OID.dateArray]: arrayOf(parseDate),
  [OID.numericArray]: arrayOf(parseDecimal),
};
const PRISMA_TYPES = {
  getTypeParser: ((oid: number, format?: string) =>
    (format ?? "text") === "text" && PARSERS[oid] ? PARSERS[oid] : pg.types.getTypeParser(oid, format as "text")) as pg.CustomTypesConfig["getTypeParser"],
};
