// @headroom/db: the generated Prisma client over node-postgres (driver adapter, no query engine
// binary). No singleton here: each app builds its client from its own parsed env.
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { Prisma, PrismaClient } from "./generated/client.ts";
import { registerDirectPool } from "./raw.ts";

export * from "./generated/client.ts";
export { isUniqueViolation, sqlCount, sqlRows } from "./raw.ts";
export { isDatabaseUnavailable } from "./unavailable.ts";

/** Either the client or an interactive transaction, so helpers compose inside `$transaction`. */
export type Db = PrismaClient | Prisma.TransactionClient;

export interface CreatePrismaClientOptions {
  /** Most connections this client's pool opens (pg's default is 10). */
  poolMax?: number;
  /**
   * Prepare each distinct statement once per connection and reuse it (default true). Off for a
   * pooler in transaction mode that cannot carry prepared statements across its server connections
   * (PgBouncer before 1.21, or with max_prepared_statements = 0).
   */
  preparedStatements?: boolean;
  /** sqlRows and sqlCount use the client's pool directly (default true; raw.ts); false sends them through $queryRaw. */
  directQueries?: boolean;
}

export function createPrismaClient(url: string, opts: CreatePrismaClientOptions = {}): PrismaClient {
  // The adapter's type says a name is a string; pg reads an undefined name as an unnamed statement.
  const names = opts.preparedStatements === false ? () => undefined : statementNames();
  // The pool is made here, not by the adapter, so sqlRows can use it too (raw.ts); the client's
  // $disconnect still ends it.
  const pool = new pg.Pool({ connectionString: url, max: opts.poolMax });
  // An idle connection that breaks (Postgres restarted) is dropped by the pool, and the next query
  // reports the outage; without a listener its 'error' event would end the process.
  pool.on("error", () => {});
  const adapter = new PrismaPg(pool, { statementNameGenerator: names as (query: { sql: string }) => string, disposeExternalPool: true });
  const client = new PrismaClient({ adapter });
  if (opts.directQueries !== false) registerDirectPool(client, pool, names);
  return client;
}

const PLAN_EACH_TIME_TEXT = "/* headroom: plan each time */ ";

/**
 * Put first in a statement whose best plan depends on its values (the history's filters and text
 * search, a memory chart's time range): it goes unnamed, so Postgres plans it for the values each
 * time. A prepared statement may switch to one generic plan after five runs, and on the seeded week
 * of `npm run bench:dashboard` that doubled the history's phrase search (227 → 452 ms) and the 7-day
 * chart (64 → 113 ms).
 */
export const PLAN_EACH_TIME = Prisma.raw(PLAN_EACH_TIME_TEXT);

/**
 * A column for a write's RETURNING list that lets its own transaction commit without waiting for the
 * WAL to reach the disk (`synchronous_commit` off for that transaction only; later transactions on
 * the connection commit as the server says). For writes that the next one replaces within seconds
 * (a heartbeat, a memory sample, a rate limit's spend): a crash of Postgres may lose the last
 * fraction of a second of them, never a job's transition, and they stop queueing behind each
 * other's flushes.
 */
export const COMMIT_WITHOUT_FLUSH = Prisma.sql`set_config('synchronous_commit', 'off', true) AS "commitWithoutFlush"`;

/** Distinct statements one client prepares at most; past this, statements go unnamed (parsed and planned every time, as before). */
export const MAX_PREPARED_STATEMENTS = 1_000;

/**
 * Names for prepared statements, one per distinct SQL text. Unnamed, Postgres parses and plans every
 * statement afresh, and for the fleet's one-row statements (a heartbeat, a claim, a job report) the
 * planning took longer than the execution (0.67 against 0.38 ms for the heartbeat's). Named, pg
 * parses each once per connection and Postgres keeps its plan. The cap bounds what a connection
 * holds when statements are built with a varying number of parameters (an `IN` list).
 */
export function statementNames(max: number = MAX_PREPARED_STATEMENTS): (query: { sql: string }) => string | undefined {
  const names = new Map<string, string>();
  return ({ sql }) => {
    if (sql.startsWith(PLAN_EACH_TIME_TEXT)) return undefined;
    let name = names.get(sql);
    if (name === undefined && names.size < max) names.set(sql, (name = `headroom_${names.size}`));
    return name;
  };
}

/**
 * The words of a job's file name and recognised text, for the history search: the stored generated
 * column "Job"."searchVector" (migration job_search_vector_trgm), which the GIN index
 * "Job_text_search_idx" is built on. It holds
 * to_tsvector('simple', coalesce("fileName", '') || ' ' || coalesce("text", '')), computed by
 * Postgres on insert/update, so matching a row reads it instead of parsing the text again. Use it as
 * Prisma.sql`... WHERE ${Prisma.raw(JOB_SEARCH_VECTOR_SQL)} @@ websearch_to_tsquery('simple', ${q})`.
 */
export const JOB_SEARCH_VECTOR_SQL = `"searchVector"`;
