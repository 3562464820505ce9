import { spawn } from "node:child_process";
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, startDatabase, type DatabaseHandle } from "./bootstrap.ts";

let dataDir: string;
const handles: DatabaseHandle[] = [];

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), "headroom-bootstrap-test-"));
  await chmod(dataDir, 0o755); // as root, postgres runs as another user
});
afterAll(async () => {
  await Promise.all(handles.map((h) => h.stop()));
  await rm(dataDir, { recursive: true, force: true });
});

async function start(dir = dataDir): Promise<DatabaseHandle> {
  const handle = await startDatabase({ dataDir: dir, port: await freePort() });
  handles.push(handle);
  return handle;
}

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

async function postmasterPid(dir = dataDir): Promise<number> {
  return Number((await readFile(path.join(dir, "pg", "postmaster.pid"), "utf8")).split("\n")[0]);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitUntilDead(pid: number, timeoutMs: number): Promise<boolean> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; ) {
    if (!isAlive(pid)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return !isAlive(pid);
}

describe("startDatabase (embedded)", () => {
  it("initialises a new data directory and creates the app database", async () => {
    const db = await start();
    expect(db.embedded).toBe(true);
    expect(new URL(db.url).pathname).toBe("/headroom");
    await query(db.url, "CREATE TABLE kept (v int); INSERT INTO kept VALUES (42)");
    const pid = await postmasterPid();
    await db.stop();
    expect(isAlive(pid)).toBe(false);
  });

  it("restarts on the existing directory without initialising it again", async () => {
    const versionFile = path.join(dataDir, "pg", "PG_VERSION");
    const before = (await stat(versionFile)).mtimeMs;
    const db = await start();
    expect(await query(db.url, "SELECT v FROM kept")).toEqual([{ v: 42 }]);
    expect((await stat(versionFile)).mtimeMs).toBe(before);
    await db.stop();
  });

  it("restarts after the server was killed with -9", async () => {
    const first = await start();
    const pid = await postmasterPid();
    process.kill(pid, "SIGKILL");
    expect(await waitUntilDead(pid, 5_000)).toBe(true);

    const db = await start();
    expect(await postmasterPid()).not.toBe(pid);
    expect(await query(db.url, "SELECT v FROM kept")).toEqual([{ v: 42 }]);
    await first.stop(); // already dead: must not hang
    await db.stop();
  });

  it("starts when a stale postmaster.pid names a PID now used by another process", async () => {
    const first = await start();
    const pid = await postmasterPid();
    process.kill(pid, "SIGKILL");
    expect(await waitUntilDead(pid, 5_000)).toBe(true);
    const pidFile = path.join(dataDir, "pg", "postmaster.pid");
    const other = spawn("sleep", ["30"]);
    try {
      const lines = (await readFile(pidFile, "utf8")).split("\n");
      await writeFile(pidFile, [String(other.pid), ...lines.slice(1)].join("\n"));
      const db = await start();
      expect(await query(db.url, "SELECT v FROM kept")).toEqual([{ v: 42 }]);
      await db.stop();
    } finally {
      other.kill("SIGKILL");
      await first.stop();
    }
  });

  it("does not outlive a parent that is killed with -9", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "headroom-bootstrap-orphan-"));
    await chmod(dir, 0o755);
    const fixture = path.join(import.meta.dirname, "fixtures", "start-database-child.ts");
    const child = spawn(process.execPath, ["--import", "tsx", fixture, dir, String(await freePort())], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    try {
      const line = await new Promise<string>((resolve, reject) => {
        createInterface({ input: child.stdout! }).once("line", resolve);
        child.once("exit", (code) => reject(new Error(`fixture exited early (${code})`)));
      });
      const { url } = JSON.parse(line) as { url: string };
      expect(await query(url, "SELECT 1 AS ok")).toEqual([{ ok: 1 }]);
      const pid = await postmasterPid(dir);

      child.kill("SIGKILL");
      expect(await waitUntilDead(pid, 10_000)).toBe(true);
    } finally {
      child.kill("SIGKILL");
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("startDatabase (external)", () => {
  it("uses the given URL and starts nothing", async () => {
    const url = "postgresql://user:secret@db.example:5432/headroom";
    const db = await startDatabase({ dataDir: "/nonexistent", databaseUrl: url });
    expect(db).toMatchObject({ url, embedded: false });
    await db.stop();
  });
});
