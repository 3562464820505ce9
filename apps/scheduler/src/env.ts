// The scheduler process's configuration, parsed once at start. Nothing else in this app reads process.env.
import { z } from "zod";

const ZEnvSchema = z.object({
  DATABASE_URL: z.url({ error: "must be a postgres:// URL" }),
  /**
   * Prepared statements on the database connections (packages/db, statementNames): "false" behind a
   * pooler in transaction mode that cannot carry them (PgBouncer before 1.21).
   */
  HEADROOM_DB_PREPARED_STATEMENTS: z.enum(["true", "false"]).default("true").transform((v) => v === "true"),
  /**
   * Hot raw statements straight on the client's pg pool (packages/db, raw.ts), past Prisma's query
   * machinery; "false" sends them through Prisma's $queryRaw, as before.
   */
  HEADROOM_DB_DIRECT_QUERIES: z.enum(["true", "false"]).default("true").transform((v) => v === "true"),
  /** A node silent for this long (ms) goes offline and its placed jobs go back to the queue; the web app uses the same name. */
  HEADROOM_NODE_OFFLINE_MS: z.coerce.number().int().positive().default(15_000),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
});

export type TSchedulerEnv = z.infer<typeof ZEnvSchema>;

export function parseEnv(raw: Record<string, string | undefined>): TSchedulerEnv {
  // Treat empty strings as unset, the way shells and .env files usually mean them.
  const cleaned = Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined && v !== ""));
  const parsed = ZEnvSchema.safeParse(cleaned);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `  ${i.path.join(".") || "(env)"}: ${i.message}`);
    throw new Error(`Invalid scheduler configuration:\n${issues.join("\n")}`);
  }
  return parsed.data;
}

let cached: TSchedulerEnv | undefined;

/** The process's configuration; throws a readable error on the first call if it is invalid. */
export function env(): TSchedulerEnv {
  cached ??= parseEnv(process.env);
  return cached;
}
