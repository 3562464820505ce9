// The real control plane for the HTTP dispatch bench: an embedded Postgres, the migrations, the
// production web app (N replicas), and the scheduler process, each its own process with its log
// under `<work>/logs`. Two layouts:
// - the repository (`npm run bench:dispatch`): `next start` on the regular build (built first when
//   stale, as chaos and soak do) and the scheduler's TypeScript entry through tsx;
// - a bench pack (`--root <dir>`, scripts/bench-host/run-dispatch.sh): Next's standalone server at
//   <webDir>/apps/web/server.js and the scheduler bundled at app/scheduler-process.mjs, no npm needed.
// It reuses `npm start`'s pieces (scripts/fleet: credentials, child processes, waits).
import { createWriteStream, existsSync, mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { createPrismaClient, type PrismaClient } from "@headroom/db";
import { processCpuS } from "../process-cpu.ts";
import { freePort, migrate, startDatabase } from "@headroom/db/bootstrap";
import { ensureBootstrapCredentials } from "../../../../apps/web/src/server/auth/bootstrap.ts";
import { ensureWebBuild } from "../../../../scripts/chaos/run.ts";
import { loadOrCreateCredentials, type TCredentials } from "../../../../scripts/fleet/credentials.ts";
import { startChild, stopChildren, waitForHttp, type TChild } from "../../../../scripts/fleet/processes.ts";

/** `webDir`: the pack folder holding the standalone server ("web", or "web-base" for the earlier build). */
export type TStackLayout = { kind: "repo"; tree: string } | { kind: "pack"; root: string; webDir: string };

export type TStackOptions = {
  layout: TStackLayout;
  workDir: string;
  webReplicas: number;
  /** Extra environment for the web replicas (the bench lifts the per-key upload limit). */
  webEnv: Record<string, string>;
  log: (msg: string) => void;
  /** Node flags for the web replicas (e.g. --cpu-prof), placed before the server's script. */
  webNodeArgs?: string[];
  /** Each replica also serves the agent protocol on its agent port (HEADROOM_AGENT_PORT), and agents talk to that. */
  agentPort?: boolean;
  /** Each replica also serves uploads on its API port (HEADROOM_API_PORT), and the submitter sends them there. */
  apiPort?: boolean;
  /** Leave the scheduler out (a bench of uploads alone: its ticks over a queue nobody takes would be counted as the uploads' Postgres time). */
  noScheduler?: boolean;
  /** Extra settings for the embedded Postgres (the bench's --pg-statements loads pg_stat_statements). */
  pgSettings?: Record<string, string>;
};

export class DispatchStack {
  readonly logs: string;
  dbUrl = "";
  prisma!: PrismaClient;
  credentials!: TCredentials;
  readonly bases: string[] = [];
  /** Where agents talk to each replica: its agent port, or with none its main port. */
  readonly agentBases: string[] = [];
  /** Where the submitter uploads to each replica: its API port, or with none its main port. */
  readonly uploadBases: string[] = [];
  web: TChild[] = [];
  scheduler: TChild | null = null;
  private stopDb: () => Promise<void> = async () => {};

  constructor(private readonly o: TStackOptions) {
    this.logs = path.join(o.workDir, "logs");
  }

  /**
   * Postgres's default of 100 fits up to 6 replicas: each has a pool of 10 (pg's default) and its
   * LISTEN connection; the scheduler has 10 + 1, this bench 4. More replicas raise it, and say so.
   */
  maxConnections(): number {
    return Math.max(100, this.o.webReplicas * 11 + 20);
  }

  /** Where the migrations are, for the layout. */
  private migrationsDir(): string {
    const l = this.o.layout;
    return l.kind === "repo" ? path.join(l.tree, "prisma/migrations") : path.join(l.root, "prisma/migrations");
  }

  async start(): Promise<void> {
    const { log, layout } = this.o;
    mkdirSync(this.logs, { recursive: true });
    if (layout.kind === "repo") ensureWebBuild(layout.tree, log);
    const dataDir = path.join(this.o.workDir, "data");
    // The server's own log goes with the others (logs/postgres.log): with --pg-statements it names every autovacuum and its CPU.
    const pgLog = createWriteStream(path.join(this.logs, "postgres.log"));
    const db = await startDatabase({
      dataDir,
      port: await freePort(),
      settings: { max_connections: String(this.maxConnections()), ...this.o.pgSettings },
      log: (m) => {
        pgLog.write(m.endsWith("\n") ? m : `${m}\n`);
        if (/ERROR|FATAL|PANIC/.test(m)) log(`db: ${m.trim()}`);
      },
    });
    this.stopDb = db.stop;
    this.dbUrl = db.url;
    await migrate(db.url, { migrationsDir: this.migrationsDir() });
    const { credentials } = await loadOrCreateCredentials(dataDir, { adminEmail: "admin@headroom.local" });
    this.credentials = credentials;
    this.prisma = createPrismaClient(db.url, { poolMax: 4 });
    await ensureBootstrapCredentials(this.prisma, credentials);
    await this.prisma.fleetSettings.upsert({ where: { id: 1 }, create: { id: 1 }, update: {} });
    log(`postgres up and migrated (${db.url.replace(/:[^:@/]+@/, ":***@")})`);

    const env = { ...process.env, DATABASE_URL: db.url, HEADROOM_DATA_DIR: dataDir, HEADROOM_ENROLL_TOKEN: credentials.enrollToken, NEXT_TELEMETRY_DISABLED: "1" };
    for (let i = 0; i < this.o.webReplicas; i++) {
      const port = await freePort();
      const agentPort = this.o.agentPort ? await freePort() : null;
      const apiPort = this.o.apiPort ? await freePort() : null;
      const webEnv = {
        ...env,
        ...this.o.webEnv,
        NODE_ENV: "production",
        PORT: String(port),
        HOSTNAME: "127.0.0.1",
        ...(agentPort && { HEADROOM_AGENT_PORT: String(agentPort), HEADROOM_AGENT_HOST: "127.0.0.1" }),
        ...(apiPort && { HEADROOM_API_PORT: String(apiPort), HEADROOM_API_HOST: "127.0.0.1" }),
      };
      const logFile = path.join(this.logs, `web${i}.log`);
      const child =
        layout.kind === "repo"
          ? startChild(`web${i}`, process.execPath, [...(this.o.webNodeArgs ?? []), path.join(layout.tree, "node_modules/next/dist/bin/next"), "start", "-p", String(port), "-H", "127.0.0.1"], { cwd: path.join(layout.tree, "apps/web"), env: webEnv, logFile })
          : startChild(`web${i}`, process.execPath, [...(this.o.webNodeArgs ?? []), path.join(layout.root, layout.webDir, "apps/web/server.js")], { cwd: path.join(layout.root, layout.webDir, "apps/web"), env: webEnv, logFile });
      this.web.push(child);
      this.bases.push(`http://127.0.0.1:${port}`);
      this.agentBases.push(`http://127.0.0.1:${agentPort ?? port}`);
      this.uploadBases.push(`http://127.0.0.1:${apiPort ?? port}`);
    }
    await Promise.all(this.bases.map((b, i) => waitForHttp(`${b}/api/health`, 180_000, () => this.web[i]!.proc.exitCode !== null)));
    // A replica's agent port comes up with it (instrumentation's register(), before Next answers).
    if (this.o.agentPort) await Promise.all(this.agentBases.map((b, i) => answering(`${b}/api/agent/v1/heartbeat`, 30_000, () => this.web[i]!.proc.exitCode !== null)));
    if (this.o.apiPort) await Promise.all(this.uploadBases.map((b, i) => answering(`${b}/api/v1/jobs`, 30_000, () => this.web[i]!.proc.exitCode !== null)));
    const ports = [this.o.agentPort && `agent ports ${this.agentBases.join(", ")}`, this.o.apiPort && `API ports ${this.uploadBases.join(", ")}`].filter(Boolean);
    log(`control plane: ${this.bases.length} replica(s) at ${this.bases.join(", ")}${ports.map((p) => `; ${p}`).join("")}`);

    if (this.o.noScheduler) return;
    const schedEnv = { ...env };
    const logFile = path.join(this.logs, "scheduler.log");
    if (layout.kind === "repo") {
      // The scheduler's entry is moving to apps/scheduler; take whichever this checkout has.
      const entry = ["apps/scheduler/src/main.ts", "packages/scheduler/src/main.ts"].find((p) => existsSync(path.join(layout.tree, p)))!;
      this.scheduler = startChild("scheduler", process.execPath, [path.join(layout.tree, "node_modules/tsx/dist/cli.mjs"), entry], { cwd: layout.tree, env: schedEnv, logFile });
    } else {
      this.scheduler = startChild("scheduler", process.execPath, [path.join(layout.root, "app/scheduler-process.mjs")], { cwd: layout.root, env: schedEnv, logFile });
    }
    log("scheduler started");
  }

  /**
   * CPU seconds of this stack's Postgres: the postmaster (whose reaped children's time it carries)
   * and its live backends, found by parent pid, so another Postgres on the machine is not counted.
   */
  postgresCpuS(): number | null {
    const pidFile = path.join(this.o.workDir, "data", "pg", "postmaster.pid");
    if (!existsSync(pidFile)) return null;
    // processCpuS already counts the live backends below the postmaster. Until session 12 they were
    // added a second time here, which overstated every Postgres figure of this bench (docs/scaling.md,
    // "Postgres's CPU was counted twice").
    return processCpuS(Number(readFileSync(pidFile, "utf8").split("\n")[0]));
  }

  /** Pids of the web replicas and the scheduler, for their CPU. */
  pids(): { name: string; pid: number }[] {
    return [...this.web, ...(this.scheduler ? [this.scheduler] : [])].flatMap((c) => (c.proc.pid !== undefined && c.proc.exitCode === null ? [{ name: c.name, pid: c.proc.pid }] : []));
  }

  /** Whatever child exited early, by name. */
  dead(): string[] {
    return [...this.web, ...(this.scheduler ? [this.scheduler] : [])].filter((c) => c.proc.exitCode !== null).map((c) => `${c.name} (exit ${c.proc.exitCode})`);
  }

  async stop(): Promise<void> {
    await stopChildren([...this.web, ...(this.scheduler ? [this.scheduler] : [])]);
    await this.prisma?.$disconnect().catch(() => {});
    await this.stopDb().catch(() => {});
  }
}

/** Waits until `base` answers HTTP at all (the agent port has no health route: any answer means it listens). */
async function answering(url: string, timeoutMs: number, isDead: () => boolean): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await new Promise((r) => setTimeout(r, 200))) {
    if (isDead()) throw new Error(`the process serving ${url} exited`);
    if (await fetch(url).then(() => true, () => false)) return;
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms`);
}
