// The real stack on this machine, with handles to break each part: an embedded Postgres, two
// control-plane replicas (`next start`) behind a TCP balancer, their agent ports behind another,
// one or two schedulers, and CPU agents talking to the agent ports, one of them inside a network
// namespace when this machine allows it. It reuses what `npm start` uses (scripts/fleet:
// credentials, child processes in their own groups, waits).
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { createPrismaClient, type PrismaClient } from "@headroom/db";
import { freePort, migrate, startDatabase } from "@headroom/db/bootstrap";
import { ensureBootstrapCredentials } from "../../apps/web/src/server/auth/bootstrap.ts";
import { loadOrCreateCredentials, type TCredentials } from "../fleet/credentials.ts";
import { startChild, stopChildren, waitForHttp, type TChild } from "../fleet/processes.ts";
import { descendantsMatching, readProcs, type TProc } from "../gpu-host/proc-tree.ts";
import { Balancer } from "./balancer.ts";
import { canUseNetns, createNetns, freeNetnsIndex, inNetns, netnsFor, removeNetns, type TNetns } from "./netns.ts";

/** Short leases and offline marks, so a cut-off agent's job is retried in seconds, not minutes. */
export const LEASE_MS = 10_000;
export const NODE_OFFLINE_MS = 8_000;
/** The slow-client fault's limit; the default (120 s) would only make the campaign longer. */
export const UPLOAD_TIMEOUT_MS = 5_000;
/** Room on the upload tmpfs: the whole campaign's small documents fit many times over. */
const UPLOAD_TMPFS = "256m";

export type TAgentSpec = { name: string; netns: TNetns | null };

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class ChaosStack {
  readonly logs: string;
  readonly uploadDir: string;
  private readonly dataDir: string;
  private dbStop: () => Promise<void> = async () => {};
  private dbPort = 0;
  dbUrl = "";
  prisma!: PrismaClient;
  credentials!: TCredentials;
  readonly webPorts: number[] = [];
  /** Each replica's agent port (HEADROOM_AGENT_PORT), behind a balancer of its own that the agents talk to. */
  readonly agentPorts: number[] = [];
  private readonly web: (TChild | null)[] = [];
  private readonly schedulers: (TChild | null)[] = [];
  readonly agents = new Map<string, { spec: TAgentSpec; child: TChild | null }>();
  lbPort = 0;
  agentLbPort = 0;
  private balancer: Balancer | null = null;
  private agentBalancer: Balancer | null = null;
  private tmpfsMounted = false;
  private readonly netnses: TNetns[] = [];
  netnsNote = "";

  constructor(
    readonly tree: string,
    readonly workDir: string,
    private readonly log: (msg: string) => void,
  ) {
    this.logs = path.join(workDir, "logs");
    this.dataDir = path.join(workDir, "data");
    this.uploadDir = path.join(workDir, "uploads");
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.lbPort}`;
  }

  /** `netns: false` keeps every agent on this machine's network (the soak: no cut-off fault, and no clash with a campaign's namespace). */
  async start(agentCount: number, o: { netns?: boolean } = {}): Promise<void> {
    mkdirSync(this.logs, { recursive: true });
    mkdirSync(this.uploadDir, { recursive: true });
    // The upload directory on its own small tmpfs, so the disk-full fault fills it and nothing else.
    if (process.getuid?.() === 0) {
      execFileSync("mount", ["-t", "tmpfs", "-o", `size=${UPLOAD_TMPFS}`, "tmpfs", this.uploadDir]);
      this.tmpfsMounted = true;
    }
    this.dbPort = await freePort();
    await this.startPostgres();
    await migrate(this.dbUrl, { migrationsDir: path.join(this.tree, "prisma/migrations") });
    const { credentials } = await loadOrCreateCredentials(this.dataDir, { adminEmail: "admin@headroom.local" });
    this.credentials = credentials;
    this.prisma = createPrismaClient(this.dbUrl);
    await ensureBootstrapCredentials(this.prisma, credentials);
    await this.prisma.fleetSettings.upsert({ where: { id: 1 }, create: { id: 1 }, update: {} });
    this.log(`postgres on ${this.dbPort}, migrated`);

    this.webPorts.push(await freePort(), await freePort());
    this.agentPorts.push(await freePort(), await freePort());
    this.lbPort = await freePort();
    this.agentLbPort = await freePort();
    this.balancer = new Balancer(() => this.webPorts);
    this.agentBalancer = new Balancer(() => this.agentPorts);
    await this.balancer.listen("127.0.0.1", this.lbPort);
    await this.agentBalancer.listen("127.0.0.1", this.agentLbPort);
    await Promise.all(this.webPorts.map((_, i) => this.startWeb(i)));
    this.log(`control plane: replicas on ${this.webPorts.join(", ")} behind the balancer on ${this.lbPort}; their agent ports ${this.agentPorts.join(", ")} behind ${this.agentLbPort}`);
    this.startScheduler(0);

    const ns = o.netns === false ? { ok: false as const, why: "not asked for" } : canUseNetns();
    for (let i = 0; i < agentCount; i++) {
      let netns: TNetns | null = null;
      // The last agent lives in a namespace of its own, for the cut-off fault.
      if (i === agentCount - 1 && agentCount > 1 && ns.ok) {
        netns = netnsFor(freeNetnsIndex());
        createNetns(netns);
        this.netnses.push(netns);
        await this.agentBalancer.listen(netns.hostIp, this.agentLbPort);
      }
      this.agents.set(`chaos-cpu${i}`, { spec: { name: `chaos-cpu${i}`, netns }, child: null });
    }
    this.netnsNote = ns.ok ? "" : ns.why;
    for (const name of this.agents.keys()) this.startAgent(name);
    await this.waitAgentsOnline([...this.agents.keys()], 240_000);
    this.log(`agents online: ${[...this.agents.values()].map((a) => `${a.spec.name}${a.spec.netns ? ` (netns ${a.spec.netns.ns})` : ""}`).join(", ")}`);
  }

  // --- Postgres -------------------------------------------------------------------------------

  async startPostgres(): Promise<void> {
    const db = await startDatabase({ dataDir: this.dataDir, port: this.dbPort, log: (m) => /PANIC/.test(m) && this.log(`db: ${m.trim()}`) });
    this.dbUrl = db.url;
    this.dbStop = db.stop;
  }

  /** The postmaster's pid, from its pid file. */
  postmasterPid(): number | null {
    const file = path.join(this.dataDir, "pg", "postmaster.pid");
    if (!existsSync(file)) return null;
    const pid = Number(readFileSync(file, "utf8").split("\n")[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  }

  /** Restarts Postgres, retrying while a crashed one's backends still hold its shared memory. */
  async restartPostgres(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        await this.startPostgres();
        return;
      } catch (err) {
        if (Date.now() > deadline) throw err;
        await sleep(500);
      }
    }
  }

  // --- control plane --------------------------------------------------------------------------

  private webEnv(port: number, agentPort: number): NodeJS.ProcessEnv {
    return {
      ...process.env,
      NODE_ENV: "production",
      DATABASE_URL: this.dbUrl,
      HEADROOM_DATA_DIR: this.dataDir,
      HEADROOM_STORAGE: "fs",
      HEADROOM_UPLOAD_DIR: this.uploadDir,
      HEADROOM_ENROLL_TOKEN: this.credentials.enrollToken,
      HEADROOM_LEASE_MS: String(LEASE_MS),
      HEADROOM_NODE_OFFLINE_MS: String(NODE_OFFLINE_MS),
      HEADROOM_UPLOAD_TIMEOUT_MS: String(UPLOAD_TIMEOUT_MS),
      NEXT_TELEMETRY_DISABLED: "1",
      LOG_LEVEL: "info",
      PORT: String(port),
      HEADROOM_AGENT_PORT: String(agentPort),
      HEADROOM_AGENT_HOST: "127.0.0.1",
    };
  }

  async startWeb(i: number): Promise<void> {
    const port = this.webPorts[i]!;
    const next = path.join(this.tree, "node_modules/next/dist/bin/next");
    const child = startChild(`web${i}`, process.execPath, [next, "start", "-p", String(port), "-H", "127.0.0.1"], {
      cwd: path.join(this.tree, "apps/web"),
      env: this.webEnv(port, this.agentPorts[i]!),
      logFile: path.join(this.logs, `web${i}.log`),
    });
    this.web[i] = child;
    await waitForHttp(`http://127.0.0.1:${port}/api/health`, 120_000, () => child.proc.exitCode !== null);
  }

  killWeb(i: number): void {
    killGroup(this.web[i] ?? null);
    this.web[i] = null;
  }

  // --- scheduler ------------------------------------------------------------------------------

  startScheduler(i: number): void {
    const tsx = path.join(this.tree, "node_modules/tsx/dist/cli.mjs");
    // A checkout from before the scheduler became an app (apps/scheduler) starts it from the package.
    const main = ["apps/scheduler/src/main.ts", "packages/scheduler/src/main.ts"].find((p) => existsSync(path.join(this.tree, p)))!;
    this.schedulers[i] = startChild(`scheduler${i}`, process.execPath, [tsx, main], {
      cwd: this.tree,
      env: { ...process.env, DATABASE_URL: this.dbUrl, HEADROOM_NODE_OFFLINE_MS: String(NODE_OFFLINE_MS) },
      logFile: path.join(this.logs, `scheduler${i}.log`),
    });
  }

  killScheduler(i: number): boolean {
    const had = this.schedulers[i] != null;
    killGroup(this.schedulers[i] ?? null);
    this.schedulers[i] = null;
    return had;
  }

  schedulerRunning(i: number): boolean {
    const c = this.schedulers[i];
    return c != null && c.proc.exitCode === null;
  }

  // --- agents ---------------------------------------------------------------------------------

  startAgent(name: string): void {
    const a = this.agents.get(name)!;
    const tsx = path.join(this.tree, "node_modules/tsx/dist/cli.mjs");
    const host = a.spec.netns ? a.spec.netns.hostIp : "127.0.0.1";
    const argv = [process.execPath, tsx, "apps/gpu-node/src/main.ts"];
    const cmd = a.spec.netns ? inNetns(a.spec.netns, argv) : { command: argv[0]!, args: argv.slice(1) };
    a.child = startChild(name, cmd.command, cmd.args, {
      cwd: this.tree,
      env: {
        ...process.env,
        HEADROOM_CONTROL_URL: `http://${host}:${this.agentLbPort}`,
        HEADROOM_ENROLL_TOKEN: this.credentials.enrollToken,
        HEADROOM_NODE_NAME: name,
        HEADROOM_PROVIDERS: "cpu",
        // Two agents on two shared cores: one thread each keeps the machine usable for others.
        HEADROOM_OCR_THREADS: "1",
        LOG_LEVEL: "info",
      },
      logFile: path.join(this.logs, `${name}.log`),
    });
  }

  killAgent(name: string): void {
    const a = this.agents.get(name)!;
    killGroup(a.child);
    a.child = null;
  }

  /** Every process it started and that is running, by name and kind (the soak reads their memory from /proc). */
  childPids(): { name: string; pid: number; kind: "web" | "scheduler" | "agent" }[] {
    const live = (c: TChild | null | undefined) => (c?.proc.pid !== undefined && c.proc.exitCode === null ? c.proc.pid : null);
    const out: { name: string; pid: number; kind: "web" | "scheduler" | "agent" }[] = [];
    this.web.forEach((c, i) => live(c) !== null && out.push({ name: `web${i}`, pid: live(c)!, kind: "web" }));
    this.schedulers.forEach((c, i) => live(c) !== null && out.push({ name: `scheduler${i}`, pid: live(c)!, kind: "scheduler" }));
    for (const [name, a] of this.agents) if (live(a.child) !== null) out.push({ name, pid: live(a.child)!, kind: "agent" });
    return out;
  }

  agentPid(name: string): number | null {
    return this.agents.get(name)?.child?.proc.pid ?? null;
  }

  /** The agent's runner processes (node running runner/child.ts below it). */
  runners(name: string, procs: readonly TProc[] = readProcs()): TProc[] {
    const pid = this.agentPid(name);
    return pid === null ? [] : descendantsMatching(procs, pid, path.join("runner", "child.ts"));
  }

  async waitAgentsOnline(names: string[], timeoutMs: number, since?: Date): Promise<number> {
    const t0 = Date.now();
    for (;;) {
      const nodes = await this.prisma.node
        .findMany({ where: { name: { in: names } }, select: { name: true, lastHeartbeatAt: true, status: true } })
        .catch(() => []);
      const fresh = (n: { lastHeartbeatAt: Date | null; status: string }) =>
        n.status !== "OFFLINE" && n.lastHeartbeatAt !== null && n.lastHeartbeatAt.getTime() > (since?.getTime() ?? 0) && Date.now() - n.lastHeartbeatAt.getTime() < 5_000;
      if (names.every((name) => nodes.some((n) => n.name === name && fresh(n)))) return Date.now() - t0;
      if (Date.now() - t0 > timeoutMs) throw new Error(`agents not online after ${timeoutMs / 1000} s: ${names.join(", ")} (logs in ${this.logs})`);
      await sleep(500);
    }
  }

  // --- teardown -------------------------------------------------------------------------------

  async stop(): Promise<void> {
    const children = [...this.web, ...this.schedulers, ...[...this.agents.values()].map((a) => a.child)].filter((c): c is TChild => c != null);
    await stopChildren(children);
    await this.balancer?.close();
    await this.agentBalancer?.close();
    await this.prisma?.$disconnect().catch(() => {});
    await this.dbStop().catch(() => {});
    for (const n of this.netnses) removeNetns(n);
    if (this.tmpfsMounted) {
      try {
        execFileSync("umount", [this.uploadDir]);
      } catch (err) {
        this.log(`could not unmount ${this.uploadDir}: ${(err as Error).message}`);
      }
    }
  }
}

/** SIGKILL a child's whole process group (the agent with its runners, Next with its workers). */
export function killGroup(child: TChild | null): void {
  if (!child?.proc.pid) return;
  try {
    process.kill(-child.proc.pid, "SIGKILL");
  } catch {
    // already gone
  }
}
