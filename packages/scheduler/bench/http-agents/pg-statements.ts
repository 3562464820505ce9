// Where Postgres's time goes, by statement, for the dispatch bench's --pg-statements: the
// pg_stat_statements extension (loaded by the stack, reset at each phase's start), read at the
// phase's end. Its times are planning plus execution as the server measured them; commits, parsing
// and the protocol around a statement are not in them, so they rank statements rather than add up
// to the server's CPU.
import type { PrismaClient } from "@headroom/db";

export type TStatementTime = { query: string; calls: number; totalMs: number; meanMs: number; rows: number };
/** Every statement since the last reset, this bench's own reads left out: what the top list is a part of. */
export type TStatementTotals = { calls: number; totalMs: number };

/** Settings that load the extension into an embedded server (it must be loaded at start). */
export const PG_STATEMENTS_SETTINGS: Record<string, string> = {
  shared_preload_libraries: "pg_stat_statements",
  "pg_stat_statements.track": "all",
  // Autovacuum runs in workers that exit when done: their CPU is Postgres's but no statement's, and
  // the server's log (logs/postgres.log) is where each run says which table and how much CPU.
  log_autovacuum_min_duration: "0",
  // Each connection closed, with its session time: the pools open and close connections as load comes and goes.
  log_disconnections: "on",
};

export async function enableStatements(db: PrismaClient): Promise<void> {
  await db.$executeRawUnsafe("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
}

export async function resetStatements(db: PrismaClient): Promise<void> {
  await db.$queryRawUnsafe("SELECT pg_stat_statements_reset()::text");
}

const OWN_READS = "query NOT LIKE '%pg_stat_%' AND query NOT LIKE '%pg_current_wal%'";

export async function statementTotals(db: PrismaClient): Promise<TStatementTotals> {
  const [r] = await db.$queryRawUnsafe<{ calls: bigint | null; total: number | null }[]>(
    `SELECT sum(calls) AS calls, sum(total_exec_time + total_plan_time) AS total FROM pg_stat_statements WHERE ${OWN_READS}`,
  );
  return { calls: Number(r?.calls ?? 0), totalMs: r?.total ?? 0 };
}

/** The `limit` statements with the most time since the last reset, this bench's own reads left out. */
export async function topStatements(db: PrismaClient, limit = 12): Promise<TStatementTime[]> {
  const rows = await db.$queryRawUnsafe<{ query: string; calls: bigint; total: number; rows: bigint }[]>(
    `SELECT query, calls, total_exec_time + total_plan_time AS total, rows
       FROM pg_stat_statements
      WHERE ${OWN_READS}
      ORDER BY total DESC LIMIT ${Math.trunc(limit)}`,
  );
  return rows.map((r) => ({ query: r.query.replace(/\s+/g, " ").trim(), calls: Number(r.calls), totalMs: r.total, meanMs: r.total / Math.max(1, Number(r.calls)), rows: Number(r.rows) }));
}
