// The control plane's configuration, parsed once at start. Nothing else reads process.env.
import { z } from "zod";

const ZEnvSchema = z.object({
  DATABASE_URL: z.string().url({ message: "DATABASE_URL must be a postgres:// URL" }),
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
  HEADROOM_DATA_DIR: z.string().default("../../.data"),
  /** The migrations this build ships; /api/health is ready only once all are applied (relative to apps/web, like the data dir). */
  HEADROOM_MIGRATIONS_DIR: z.string().default("../../prisma/migrations"),
  /**
   * Where uploads live (apps/web/src/server/jobs/storage-select.ts). postgres: shared by every
   * replica, the default. fs: this replica's disk (HEADROOM_UPLOAD_DIR), right for one machine
   * (`npm start` picks it). s3: an S3-compatible bucket (HEADROOM_S3_*).
   */
  HEADROOM_STORAGE: z.enum(["postgres", "fs", "s3"]).default("postgres"),
  /** fs storage: the directory (default <HEADROOM_DATA_DIR>/uploads). */
  HEADROOM_UPLOAD_DIR: z.string().optional(),
  HEADROOM_S3_BUCKET: z.string().min(3).optional(),
  HEADROOM_S3_PREFIX: z.string().default("uploads/"),
  HEADROOM_S3_REGION: z.string().default("us-east-1"),
  HEADROOM_S3_ENDPOINT: z.string().url().optional(),
  HEADROOM_S3_FORCE_PATH_STYLE: z.enum(["true", "false"]).default("false").transform((v) => v === "true"),
  HEADROOM_MAX_UPLOAD_BYTES: z.coerce.number().int().positive().default(25 * 1024 * 1024),
  /** sharp's limitInputPixels: larger images are refused before any decoding work. */
  HEADROOM_MAX_PIXELS: z.coerce.number().int().positive().default(40_000_000),
  HEADROOM_MAX_PAGES: z.coerce.number().int().positive().default(50),
  /** The most time checking one uploaded file may take (a valid but slow-to-decode file gets 422 DECODE_TIMEOUT). */
  HEADROOM_DECODE_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
  /**
   * How far an uploaded image is checked before it is queued: "decode" decodes it whole, so a
   * damaged one is a 400 at once; "header" stops at its header, size and bomb scans and leaves the
   * pixels to the node, which fails a damaged one as a job with INVALID_INPUT. The decode is most of
   * what an upload costs a replica (a check takes 1.75 ms for a tiny PNG and 11–12 ms for an A4 scan,
   * against about 0.5 without it: docs/scaling.md, "What checking an upload costs"), so "header" is
   * for fleets that take many pages a second.
   */
  HEADROOM_UPLOAD_CHECK: z.enum(["decode", "header"]).default("decode"),
  /** The most time an upload's body may take to arrive, from its first byte read; a trickling client gets 408. */
  HEADROOM_UPLOAD_TIMEOUT_MS: z.coerce.number().int().positive().default(120_000),
  /**
   * The bytes of upload bodies one replica reads and holds at once (jobs/upload-budget.ts), and so
   * also the most one request may carry. Each body byte costs 1.5–4 bytes of memory on its way through
   * (docs/scaling.md, "What large uploads cost a replica's memory"): 256 MiB keeps a replica near 1.3
   * GiB at worst, under the Kubernetes manifests' 1.5 GiB limit.
   */
  HEADROOM_UPLOAD_BUFFER_BYTES: z.coerce.number().int().min(1024 * 1024).default(256 * 1024 * 1024),
  /** How long an upload waits for room in HEADROOM_UPLOAD_BUFFER_BYTES before it gets 503 UNAVAILABLE with Retry-After. */
  HEADROOM_UPLOAD_QUEUE_WAIT_MS: z.coerce.number().int().positive().default(10_000),
  /** Agents present this to register; they get a per-node token back. */
  HEADROOM_ENROLL_TOKEN: z.string().min(16),
  HEADROOM_LEASE_MS: z.coerce.number().int().positive().default(30_000),
  /**
   * A claimed job's file rides the claim's answer (base64) when it is at most this many bytes, so
   * the agent need not GET it: one request of a job's five (docs/scaling.md, "Fewer requests per
   * job"). 0 = never; larger files are always fetched, streamed.
   */
  HEADROOM_CLAIM_FILE_MAX_BYTES: z.coerce.number().int().min(0).max(16 * 1024 * 1024).default(512 * 1024),
  HEADROOM_NODE_OFFLINE_MS: z.coerce.number().int().positive().default(15_000),
  HEADROOM_MAX_ATTEMPTS: z.coerce.number().int().positive().default(3),
  /**
   * Upload requests one API key may make a minute (a bucket refilling over the minute); more get 429
   * with Retry-After. 3,000 (50/s on average) still stops a runaway loop and leaves room for bulk
   * submitters such as the fleet bench (four uploads in flight, not measured against this limit).
   */
  HEADROOM_UPLOADS_PER_MINUTE: z.coerce.number().int().positive().default(3_000),
  /**
   * How many reverse proxies in front of the control plane append the address they saw to
   * X-Forwarded-For (an Ingress: 1). The sign-in throttle keys on the address the outermost of them
   * saw; with 0, the default, the header is the client's own word and is ignored (auth/sign-in.ts).
   */
  HEADROOM_TRUSTED_PROXIES: z.coerce.number().int().min(0).max(10).default(0),
  /** Back-pressure: while more jobs than this wait in the queue, uploads get 503 QUEUE_FULL with Retry-After. */
  HEADROOM_MAX_QUEUED_JOBS: z.coerce.number().int().positive().default(10_000),
  /**
   * How often this replica runs a retention pass (sample rollup, old buckets, expired files; the
   * settings themselves are admin settings in the database), in ms; 0 = never. Replicas take turns
   * through an advisory lock, so every replica may leave it on.
   */
  HEADROOM_RETENTION_INTERVAL_MS: z.coerce.number().int().min(0).default(600_000),
  /**
   * A second port serving the agent protocol (/api/agent/v1/…) on a plain node:http listener
   * (server/agent-port): agents pointed at it cost a replica a third of the CPU per request that
   * Next's server does. Unset, agents use the main port only.
   */
  HEADROOM_AGENT_PORT: z.coerce.number().int().min(1).max(65_535).optional(),
  /** The address the agent port listens on (default: all interfaces, like Next's own port). */
  HEADROOM_AGENT_HOST: z.string().min(1).optional(),
  /**
   * A port serving the upload (POST /api/v1/jobs) on a plain node:http listener (server/api-port), for
   * clients that submit many jobs: the same handler without Next's server around it. Unset, uploads
   * use the main port only.
   */
  HEADROOM_API_PORT: z.coerce.number().int().min(1).max(65_535).optional(),
  /** The address the API port listens on (default: all interfaces). */
  HEADROOM_API_HOST: z.string().min(1).optional(),
  HEADROOM_SECURE_COOKIES: z.enum(["true", "false"]).default("false").transform((v) => v === "true"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
}).refine((e) => e.HEADROOM_STORAGE !== "s3" || e.HEADROOM_S3_BUCKET !== undefined, {
  path: ["HEADROOM_S3_BUCKET"],
  message: "HEADROOM_STORAGE=s3 needs HEADROOM_S3_BUCKET",
});

export type TEnv = z.infer<typeof ZEnvSchema>;

function parseEnv(): TEnv {
  const parsed = ZEnvSchema.safeParse(process.env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new Error(`Invalid configuration:\n${lines.join("\n")}`);
  }
  return parsed.data;
}

let cached: TEnv | undefined;
/** Parsed on first use rather than at import, so `next build` can load route modules without a database. */
export function env(): TEnv {
  cached ??= parseEnv();
  return cached;
}
