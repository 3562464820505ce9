// Where the database comes from: an existing server (DATABASE_URL, parsed by the app) or an
// embedded Postgres whose data lives under `<dataDir>/pg`. Migrations are a separate step
// (`migrate`, re-exported here) so callers decide when schema changes happen.
import path from "node:path";
import pg from "pg";
import { freePort, isPortFree, startEmbeddedServer } from "./embedded-postgres.ts";

export { migrate } from "./migrate.ts";
export { freePort } from "./embedded-postgres.ts";

export const DEFAULT_EMBEDDED_PORT = 54329;
export const APP_DATABASE = "headroom";

export interface StartDatabaseOptions {
  dataDir: string;
  /** Embedded server port. Default 54329; if that one is taken, a free port is used instead. */
  port?: number;
  /** Use this server instead of starting one. */
  databaseUrl?: string;
  log?: (msg: string) => void;
  /** Database to create (if missing) and point `url` at, on the embedded server. */
  database?: string;
  /** Extra server settings for the embedded server (`-c name=value`), e.g. fsync off in tests. */
  settings?: Record<string, string>;
}

export interface DatabaseHandle {
  url: string;
  embedded: boolean;
  /** Stops the embedded server (fast shutdown); a no-op for an external server. Idempotent. */
  stop(): Promise<void>;
}

export async function startDatabase(opts: StartDatabaseOptions): Promise<DatabaseHandle> {
  if (opts.databaseUrl) {
    return { url: opts.databaseUrl, embedded: false, stop: async () => {} };
  }
  const log = opts.log ?? (() => {});
  const port = await choosePort(opts.port, log);
  const server = await startEmbeddedServer({
    pgDir: path.resolve(opts.dataDir, "pg"),
    port,
    log,
    settings: opts.settings,
  });
  try {
    const base = `postgresql://${server.user}:${encodeURIComponent(server.password)}@127.0.0.1:${server.port}`;
    const database = opts.database ?? APP_DATABASE;
    await ensureDatabase(`${base}/postgres`, database);
    return { url: `${base}/${database}`, embedded: true, stop: server.stop };
  } catch (err) {
    await server.stop();
    throw err;
  }
}

async function choosePort(requested: number | undefined, log: (msg: string) => void): Promise<number> {
  const port = requested ?? DEFAULT_EMBEDDED_PORT;
  if (await isPortFree(port)) return port;
  if (requested !== undefined) {
    throw new Error(`port ${port} on 127.0.0.1 is already in use; choose another for the embedded Postgres`);
  }
  const fallback = await freePort();
  log(`port ${port} is in use; embedded Postgres will listen on ${fallback}`);
  return fallback;
}

/** Creates `database` on the server at `adminUrl` unless it exists. */
export async function ensureDatabase(adminUrl: string, database: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [database]);
    if (!rowCount) await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)}`);
  } finally {
    await client.end();
  }
}
