// Prisma's schema engine compiled to WebAssembly, driven through the pg driver adapter.
//
// Why not the Prisma CLI: `prisma migrate` needs the native schema-engine binary, which it downloads
// from a host this environment cannot reach. The wasm build does the same work (diff, apply, record
// in `_prisma_migrations`) over a JS driver adapter instead of its own connection.
//
// Why we instantiate the wasm ourselves: the package's ESM entry does `import * as wasm from
// "./schema_engine_bg.wasm"`, which Node 20 cannot load. Its bindings module exports everything the
// wasm imports, plus `__wbg_set_wasm` to hand it the instance, so we do what the entry would do.
import { randomUUID } from "node:crypto";
import { readFile, readdir } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { PrismaPg } from "@prisma/adapter-pg";
import {
  ColumnTypeEnum,
  bindMigrationAwareSqlAdapterFactory,
  type SqlDriverAdapter,
  type SqlMigrationAwareDriverAdapterFactory,
} from "@prisma/driver-adapter-utils";
import type { MigrationList, SchemaEngine } from "@prisma/schema-engine-wasm";
import pg from "pg";
import { parse as parseConnectionString } from "pg-connection-string";

const require = createRequire(import.meta.url);

/** Repository paths. Internal packages run from source, so these resolve against this file. */
export const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));
export const defaultSchemaPath = path.join(repoRoot, "prisma", "schema.prisma");
export const defaultMigrationsDir = path.join(repoRoot, "prisma", "migrations");

type Bindings = typeof import("@prisma/schema-engine-wasm/schema_engine_bg");
let bindingsPromise: Promise<Bindings> | undefined;

// A Rust panic inside the engine reports its message here before the call fails; without the
// registry the panic hook itself throws a TypeError and the real message is lost.
let lastPanic: string | undefined;
const panicRegistry = { set_message: (message: string) => void (lastPanic = message) };

// Our lib settings (ES2023, no DOM) carry no WebAssembly types; this is the slice we use.
interface WasmApi {
  instantiate(
    bytes: Uint8Array,
    imports: Record<string, Record<string, unknown>>,
  ): Promise<{ instance: { exports: Record<string, unknown> } }>;
}
const wasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

function loadBindings(): Promise<Bindings> {
  bindingsPromise ??= (async () => {
    const g = globalThis as { PRISMA_WASM_PANIC_REGISTRY?: typeof panicRegistry };
    g.PRISMA_WASM_PANIC_REGISTRY ??= panicRegistry;
    const bindingsPath = require.resolve("@prisma/schema-engine-wasm/schema_engine_bg");
    const bindings = (await import("@prisma/schema-engine-wasm/schema_engine_bg")) as Bindings & {
      __wbg_set_wasm(exports: Record<string, unknown>): void;
    };
    const bytes = await readFile(path.join(path.dirname(bindingsPath), "schema_engine_bg.wasm"));
    // The wasm imports one module, named after the bindings file. Its timers (e.g. a 10 s lock
    // timeout per command) are never cleared, and would keep a finished CLI alive for 10 s.
    const imports: Record<string, unknown> = { ...bindings };
    for (const [name, fn] of Object.entries(bindings)) {
      if (name.startsWith("__wbg_setTimeout_")) {
        imports[name] = (...args: unknown[]) => (fn as (...a: unknown[]) => NodeJS.Timeout)(...args).unref();
      }
    }
    const { instance } = await wasmApi.instantiate(bytes, { "./schema_engine_bg.js": imports });
    bindings.__wbg_set_wasm(instance.exports);
    (instance.exports.__wbindgen_start as () => void)();
    return bindings;
  })();
  return bindingsPromise;
}

/** pg config from a URL, as an object so that `database` can be swapped for the shadow one. */
function pgConfig(url: string): pg.PoolConfig {
  const parsed = parseConnectionString(url);
  return {
    host: parsed.host ?? undefined,
    port: parsed.port ? Number(parsed.port) : undefined,
    user: parsed.user,
    password: parsed.password,
    database: parsed.database ?? undefined,
    ssl: parsed.ssl as pg.PoolConfig["ssl"],
  };
}

async function adminQuery(config: pg.PoolConfig, sql: string): Promise<void> {
  const client = new pg.Client(config);
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/**
 * PrismaPg with our own shadow database handling. PrismaPg.connectToShadowDb (adapter-pg 7.10.1):
 * - builds the shadow pool as `{ ...config, database }`, and with a URL config pg lets the
 *   connectionString win, so the "shadow" database would silently be the real one;
 * - gives that pool no 'error' listener, so an idle connection dropped by the server crashes the
 *   process; and drops the database while the pool is still connected, which fails.
 */
class ShadowAwarePg implements SqlMigrationAwareDriverAdapterFactory {
  readonly provider = "postgres" as const;
  readonly adapterName: string;
  readonly #main: PrismaPg;

  constructor(private readonly config: pg.PoolConfig) {
    this.#main = new PrismaPg(config, { onPoolError: () => {} });
    this.adapterName = this.#main.adapterName;
  }

  readonly #open = new Set<SqlDriverAdapter>();

  async connect(): Promise<SqlDriverAdapter> {
    const adapter = acceptCharColumns(await this.#main.connect());
    this.#open.add(adapter);
    return adapter;
  }

  /** Freeing the engine leaves the adapter's pool open (its idle timer holds the process ~10 s). */
  async disposeAll(): Promise<void> {
    const open = [...this.#open];
    this.#open.clear();
    await Promise.allSettled(open.map((a) => a.dispose()));
  }

  async connectToShadowDb(): Promise<SqlDriverAdapter> {
    const database = `prisma_migrate_shadow_db_${randomUUID()}`;
    await adminQuery(this.config, `CREATE DATABASE "${database}"`);
    const shadow = acceptCharColumns(
      await new PrismaPg({ ...this.config, database }, { onPoolError: () => {} }).connect(),
    );
    const dispose = shadow.dispose.bind(shadow);
    shadow.dispose = async () => {
      await dispose();
      await adminQuery(this.config, `DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
    };
    return shadow;
  }
}

/** Postgres type OIDs: `"char"` (pg_catalog's one-byte type) and text. */
const OID_CHAR = 18;
const OID_TEXT = 25;

type PgResult = { fields: { dataTypeID: number }[]; rows: unknown[][] };
type PgQueryableInternals = {
  performIO(query: unknown): Promise<PgResult>;
  queryRaw(query: unknown): Promise<{ columnTypes: number[] }>;
  startTransaction?(...args: unknown[]): Promise<unknown>;
};

/**
 * The wasm engine (8.1.0-2) describes a database with catalog queries that return `"char"` columns
 * (contype, relkind, ...) and reads them as chars. adapter-pg 7.10.1 has no mapping for that type
 * and rejects the whole result ("Column type 'char' could not be deserialized"). We run the
 * adapter's own queryRaw over a copy of the result with those columns labelled text, then mark
 * them Character. Per call, no shared state: the engine runs catalog queries concurrently.
 * Only the engine's adapters are patched, never the application's client.
 */
function acceptCharColumns<T>(queryable: T): T {
  const q = queryable as T & PgQueryableInternals;
  const performIO = q.performIO.bind(q);
  const queryRaw = q.queryRaw;
  q.queryRaw = async (query) => {
    const result = await performIO(query);
    const charColumns = result.fields.flatMap((f, i) => (f.dataTypeID === OID_CHAR ? [i] : []));
    const fields = result.fields.map((f) => (f.dataTypeID === OID_CHAR ? { ...f, dataTypeID: OID_TEXT } : f));
    const view = Object.create(q, { performIO: { value: async () => ({ ...result, fields }) } });
    const out = await queryRaw.call(view, query);
    for (const i of charColumns) out.columnTypes[i] = ColumnTypeEnum.Character;
    return out;
  };
  if (q.startTransaction) {
    const startTransaction = q.startTransaction.bind(q);
    q.startTransaction = async (...args) => acceptCharColumns(await startTransaction(...args));
  }
  return queryable;
}

export type EngineLog = (line: string) => void;

/**
 * Runs `fn` with a schema engine connected to `url`, and frees the engine afterwards.
 * `datamodel` is the Prisma schema the engine treats as "the" schema (needed for shadow databases).
 */
export async function withSchemaEngine<T>(
  url: string,
  opts: { datamodel?: { path: string; content: string }; log?: EngineLog },
  fn: (engine: SchemaEngine) => Promise<T>,
): Promise<T> {
  const { SchemaEngine } = await loadBindings();
  const factory = new ShadowAwarePg(pgConfig(url));
  const adapter = bindMigrationAwareSqlAdapterFactory(factory);
  const log = opts.log ?? (() => {});
  const datamodels: [string, string][] | undefined = opts.datamodel
    ? [[opts.datamodel.path, opts.datamodel.content]]
    : undefined;
  const engine = await SchemaEngine.new({ datamodels }, (line: string) => log(line), adapter);
  lastPanic = undefined;
  try {
    return await fn(engine);
  } catch (err) {
    const error = asError(err);
    if (lastPanic) error.message = `schema engine panicked: ${lastPanic}\n${error.message}`;
    throw error;
  } finally {
    engine.free();
    await factory.disposeAll();
  }
}

/** Engine errors arrive as plain objects ({ message, error_code, meta }); make them real Errors. */
function asError(err: unknown): Error {
  if (err instanceof Error) return err;
  if (err && typeof err === "object" && "message" in err) {
    const e = new Error(String((err as { message: unknown }).message));
    Object.assign(e, { cause: err });
    return e;
  }
  return new Error(String(err));
}

/** Reads a migrations directory in Prisma's layout: `<name>/migration.sql` plus `migration_lock.toml`. */
export async function readMigrations(migrationsDir: string): Promise<MigrationList> {
  const entries = await readdir(migrationsDir, { withFileTypes: true }).catch(() => []);
  const names = entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  const migrationDirectories = await Promise.all(
    names.map(async (name) => {
      const file = path.join(migrationsDir, name, "migration.sql");
      const content = await readFile(file, "utf8").then(
        (value) => ({ tag: "ok" as const, value }),
        (err: Error) => ({ tag: "error" as const, value: err.message }),
      );
      return { path: name, migrationFile: { path: "migration.sql", content } };
    }),
  );
  const lockPath = path.join(migrationsDir, "migration_lock.toml");
  const lockContent = await readFile(lockPath, "utf8").catch(() => null);
  return {
    baseDir: migrationsDir,
    lockfile: { path: "migration_lock.toml", content: lockContent },
    shadowDbInitScript: "",
    migrationDirectories,
  };
}

export const noFilters = { externalTables: [], externalEnums: [] };
