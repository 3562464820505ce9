// The control plane's one database client. Kept on globalThis so Next's dev reloads reuse the pool.
import { createPrismaClient, type PrismaClient } from "@headroom/db";
import { env } from "@/env";

const holder = globalThis as unknown as { headroomDb?: PrismaClient };

export function db(): PrismaClient {
  const e = env();
  holder.headroomDb ??= createPrismaClient(e.DATABASE_URL, { preparedStatements: e.HEADROOM_DB_PREPARED_STATEMENTS, directQueries: e.HEADROOM_DB_DIRECT_QUERIES });
  return holder.headroomDb;
}
