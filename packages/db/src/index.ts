// @headroom/db: the generated Prisma client over node-postgres (driver adapter, no query engine
// binary). No singleton here: each app builds its client from its own parsed env.
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient, type Prisma } from "./generated/client.ts";

export * from "./generated/client.ts";

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
 * The expression the "Job_text_search_idx" GIN index is built on (migration job_text_search).
 * A search only uses the index when it repeats this exact expression, e.g.
 * Prisma.sql`... WHERE ${Prisma.raw(JOB_SEARCH_VECTOR_SQL)} @@ websearch_to_tsquery('simple', ${q})`.
 */
export const JOB_SEARCH_VECTOR_SQL = `to_tsvector('simple', coalesce("fileName", '') || ' ' || coalesce("text", ''))`;
