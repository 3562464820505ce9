// The control plane's one database client. Kept on globalThis so Next's dev reloads reuse the pool.
import { createPrismaClient, type PrismaClient } from "@headroom/db";
import { env } from "@/env";

const holder = globalThis as unknown as { headroomDb?: PrismaClient };

export function db(): PrismaClient {
  holder.headroomDb ??= createPrismaClient(env().DATABASE_URL, { preparedStatements: env().HEADROOM_DB_PREPARED_STATEMENTS });
  return holder.headroomDb;
}
