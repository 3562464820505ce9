// @headroom/db: the generated Prisma client over node-postgres (driver adapter, no query engine
// binary). No singleton here: each app builds its client from its own parsed env.
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient, type Prisma } from "./generated/client.ts";

export * from "./generated/client.ts";
export { isDatabaseUnavailable } from "./unavailable.ts";

/** Either the client or an interactive transaction, so helpers compose inside `$transaction`. */
export type Db = PrismaClient | Prisma.TransactionClient;

export interface CreatePrismaClientOptions {
  /** Most connections this client's pool opens (pg's default is 10). */
  poolMax?: number;
}

export function createPrismaClient(url: string, opts: CreatePrismaClientOptions = {}): PrismaClient {
  const adapter = new PrismaPg({ connectionString: url, max: opts.poolMax });
  return new PrismaClient({ adapter });
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
