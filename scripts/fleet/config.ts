// `npm start`'s configuration, parsed once. Everything here has a default, so a fresh clone starts as is.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";

export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));

const ZStartEnvSchema = z.object({
  DATABASE_URL: z.string().min(1).optional(),
  HEADROOM_DATA_DIR: z.string().default(path.join(REPO_ROOT, ".data")),
  HEADROOM_PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  /** The web app's agent port, which the local agents talk to (default HEADROOM_PORT + 1). */
  HEADROOM_AGENT_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  HEADROOM_DB_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  HEADROOM_ADMIN_EMAIL: z.string().email().default("admin@headroom.local"),
  HEADROOM_ADMIN_PASSWORD: z.string().min(8, "HEADROOM_ADMIN_PASSWORD must have at least 8 characters").optional(),
  HEADROOM_API_KEY: z.string().min(16, "HEADROOM_API_KEY must have at least 16 characters").optional(),
  /** "auto" (one agent per GPU, or one CPU agent), "cpu", or a number of CPU agents for local testing. */
  HEADROOM_AGENTS: z.string().default("auto"),
  /** Skip `next build` when a build exists, even if sources look newer (CI builds once). */
  HEADROOM_SKIP_BUILD: z.enum(["0", "1"]).default("0"),
  /** One machine: uploads on its disk unless asked otherwise (the web app's own default is postgres, for replicas). */
  HEADROOM_STORAGE: z.enum(["postgres", "fs", "s3"]).default("fs"),
  LOG_LEVEL: z.string().default("info"),
});

export type TStartConfig = z.infer<typeof ZStartEnvSchema> & { dataDir: string; agentPort: number };

export function parseStartConfig(env: NodeJS.ProcessEnv = process.env): TStartConfig {
  const parsed = ZStartEnvSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new Error(`Invalid configuration:\n${lines.join("\n")}`);
  }
  return { ...parsed.data, dataDir: path.resolve(parsed.data.HEADROOM_DATA_DIR), agentPort: parsed.data.HEADROOM_AGENT_PORT ?? parsed.data.HEADROOM_PORT + 1 };
}
