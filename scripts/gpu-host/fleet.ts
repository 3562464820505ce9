// The fleet benchmark on one host: Postgres, the control plane (Next's standalone server), the
// scheduler and one agent per GPU (each runner confined to its own GPU), then the workload's phases
// (fleet-plan.ts), each exported from the database into one gzipped TFleetRun for `npm run fleet:report`.
//
// It runs from the layout that scripts/gpu-host/pack-fleet.sh makes and fleet.sh unpacks:
//   <root>/node  app/{fleet,agent,child,scheduler}.mjs  web/apps/web/server.js  prisma/migrations
//   <root>/base-manifest.json  models/  src-imgs/  node_modules/
// On a host without GPUs, `--rehearse-cpu N` stands N CPU agents in for the accelerators, so the
// whole run can be tried on a development machine before it spends GPU time.
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { gzipSync } from "node:zlib";
import { createPrismaClient, type PrismaClient } from "@headroom/db";
import { migrate, startDatabase } from "@headroom/db/bootstrap";
import { discoverGpus } from "../../apps/gpu-node/src/telemetry/index.ts";
import { ensureBootstrapCredentials } from "../../apps/web/src/server/auth/bootstrap.ts";
import { cancelJob, getSettings, listNodes, putSettings, setDrained, type TThresholds } from "../fleet-bench/api.ts";
import { driveWorkload } from "../fleet-bench/drive.ts";
import type { TWorkload } from "../fleet-bench/types.ts";
import { makeWorkload, repeatKind } from "../fleet-bench/workload.ts";
import { loadOrCreateCredentials } from "../fleet/credentials.ts";
import { earlyExit } from "../fleet/early-exit.ts";
import { startChild, stopChildren, waitForHttp, type TChild } from "../fleet/processes.ts";
import { exportWindow, type TFleetRun } from "../fleet-report/export.ts";
import { defaultPlan, offerPages, parsePlan, type TPhase } from "./fleet-plan.ts";
import { descendantsMatching, readProcs } from "./proc-tree.ts";

const { values: args } = parseArgs({
  options: {
    root: { type: "string", default: path.resolve(path.dirname(new URL(import.meta.url).pathname), "..") },
    out: { type: "string", default: process.env.OUT ?? "fleet-out" },
    plan: { type: "string" },
    scale: { type: "string", default: "1" },
    // 2,048 MiB never bound on an H200: this workload's runner peaked at 1,057 MiB (run 7,
    // docs/gpu-runs.md), under the sweep and admission lines. 1,280 puts a grown runner above both.
    "tight-mib": { type: "string", default: "1280" },
    "tight-sweep-s": { type: "string", default: "10" },
    "phase-timeout-s": { type: "string", default: "300" },
    "rehearse-cpu": { type: "string" },
    "cpu-threads": { type: "string" },
    // Jobs in flight per GPU agent (HEADROOM_RUNNER_SLOTS): one runner each.
    "gpu-slots": { type: "string", default: "1" },
    // Jobs in flight in each GPU runner (HEADROOM_RUNNER_JOBS): one copy of the model, CPU stages overlapped.
    "gpu-jobs": { type: "string", default: "1" },
    name: { type: "string", default: os.hostname() },
    port: { type: "string", default: "3000" },
  },
});

const ROOT = path.resolve(args.root!);
const OUT = path.resolve(args.out!);
const PORT = Number(args.port);
const BASE = `http://127.0.0.1:${PORT}`;
const DATA = path.join(ROOT, "data");
const LOGS = path.join(ROOT, "logs");
const app = (f: string) => path.join(ROOT, "app", f);
const t0 = Date.now();
// Ceilings for a subset phase's offer (offerPages), pages/s: several times the best measured, so a
// faster build does not run dry. One GPU runner did ≤ 1.6 A4 pages/s (626 ms a page, x2b gpu1 in
// docs/gpu-runs.md); a 16-thread CPU agent about 1 (detect 323 + recognise 577 ms, x4d cpu4).
const GPU_PAGES_PER_S_PER_SLOT = 8;
const CPU_PAGES_PER_S_PER_AGENT = 2;
const GPU_PAGES_PER_S_PER_GPU_MAX = 30;
const log = (msg: string) => console.log(`[fleet +${((Date.now() - t0) / 1000).toFixed(1)}s] ${msg}`);

type TAgent = { name: string; child: TChild };
const children: TChild[] = [];
let stopDb: () => Promise<void> = async () => {};

async function main(): Promise<void> {
  rmSync(DATA, { recursive: true, force: true });
  mkdirSync(LOGS, { recursive: true });
  mkdirSync(OUT, { recursive: true });
  const gpus = await discoverGpus();
  const rehearse = gpus.length === 0 ? Number(args["rehearse-cpu"] ?? 0) : 0;
  if (gpus.length === 0 && rehearse === 0) throw new Error("no GPU found by nvidia-smi; for a rehearsal on CPU agents pass --rehearse-cpu N");
  const accelerators = gpus.length || rehearse;
  const plan = parsePlan(args.plan ?? defaultPlan(accelerators), accelerators);
  log(`${gpus.length ? `${gpus.length} GPU(s): ${gpus.map((g) => `${g.index} ${g.name}`).join(", ")}` : `rehearsal: ${rehearse} CPU agents stand in for GPUs`}; plan ${plan.map((p) => p.label).join(", ")}`);

  // Database, schema, credentials: what `npm start` does, from the carried files.
  const db = await startDatabase({ dataDir: DATA, log: (m) => /ERROR|FATAL|PANIC/.test(m) && log(`db: ${m.trim()}`) });
  stopDb = db.stop;
  await migrate(db.url, { migrationsDir: path.join(ROOT, "prisma/migrations") });
  const { credentials } = await loadOrCreateCredentials(DATA, { adminEmail: "admin@headroom.local" });
  const prisma = createPrismaClient(db.url);
  await ensureBootstrapCredentials(prisma, credentials);
  await prisma.fleetSettings.upsert({ where: { id: 1 }, create: { id: 1 }, update: {} });
  log("database up and migrated");

  const env = { ...process.env, DATABASE_URL: db.url, HEADROOM_DATA_DIR: DATA, HEADROOM_ENROLL_TOKEN: credentials.enrollToken, NEXT_TELEMETRY_DISABLED: "1", LOG_LEVEL: "info" };
  const webDir = path.join(ROOT, "web/apps/web");
  const web = start("web", [path.join(webDir, "server.js")], { ...env, NODE_ENV: "production", PORT: String(PORT), HOSTNAME: "127.0.0.1" }, webDir);
  await waitForHttp(`${BASE}/api/health`, 120_000, () => web.proc.exitCode !== null);
  start("scheduler", [app("scheduler.mjs")], env);
  log("control plane and scheduler up");

  const agentEnv = { ...env, HEADROOM_CONTROL_URL: BASE, HEADROOM_RUNNER_MODULE: app("child.mjs"), HEADROOM_MODEL_MANIFEST: path.join(ROOT, "base-manifest.json") };
  const startAgent = (name: string, extra: Record<string, string>): TAgent => ({ name, child: start(name, [app("agent.mjs")], { ...agentEnv, HEADROOM_NODE_NAME: name, ...extra }) });
  const accel: TAgent[] = gpus.length
    ? // Each runner's CPU stages get an equal share of the cores: left to ORT's default, every
      // runner takes all of them, and two GPUs' runners slowed each other down (2×H200 run, 2026-11-27).
      gpus.map((g) => startAgent(`${args.name}-gpu${g.index}`, { HEADROOM_GPU_INDEX: String(g.index), HEADROOM_OCR_THREADS: String(threadsFor(gpus.length * Number(args["gpu-slots"]))), HEADROOM_RUNNER_SLOTS: args["gpu-slots"]!, HEADROOM_RUNNER_JOBS: args["gpu-jobs"]! }))
    : Array.from({ length: rehearse }, (_, i) => startAgent(`${args.name}-rehearsal${i}`, { HEADROOM_OCR_THREADS: String(threadsFor(rehearse)), HEADROOM_RUNNER_SLOTS: args["gpu-slots"]!, HEADROOM_RUNNER_JOBS: args["gpu-jobs"]! }));
  await waitOnline(credentials.apiKey, accel, 180_000);
  log(`${accel.length} agents online`);

  const workload = await makeWorkload({ srcDir: path.join(ROOT, "src-imgs"), outDir: path.join(ROOT, "workload"), scale: Number(args.scale) });
  log(`workload: ${workload.files.length} files, ${workload.pages} pages`);

  const run: TFleetRun = { host: hostInfo(gpus), command: process.argv.slice(2).join(" "), phases: [] };
  const outFile = path.join(OUT, `fleet-${args.name}.json.gz`);
  for (const phase of plan) {
    run.phases.push(await runPhase(phase, { prisma, apiKey: credentials.apiKey, accel, startAgent, workload, rehearse: rehearse > 0 }));
    writeFileSync(outFile, gzipSync(JSON.stringify(run))); // after every phase: a later failure keeps the earlier ones
  }
  log(`wrote ${outFile}`);
  await prisma.$disconnect();
}

type TPhaseContext = {
  prisma: PrismaClient;
  apiKey: string;
  accel: TAgent[];
  startAgent: (name: string, extra: Record<string, string>) => TAgent;
  workload: TWorkload;
  /** CPU agents stand in for the accelerators. */
  rehearse: boolean;
};

/** What a phase offers: the mixed workload, or one kind of it repeated to fill the phase's window. */
function offeredWorkload(phase: TPhase, c: TPhaseContext): TWorkload {
  if (!phase.subset) return c.workload;
  const onCpu = phase.kind === "cpu" || c.rehearse;
  // A multi-job runner shares one GPU: jobs in flight raise its ceiling, but not past the 20 pages/s
  // target with room to spare (an offer of thousands of pages only costs uploads and cancels).
  const perGpu = Math.min(GPU_PAGES_PER_S_PER_GPU_MAX, GPU_PAGES_PER_S_PER_SLOT * Number(args["gpu-slots"]) * Number(args["gpu-jobs"]));
  const pagesPerS = phase.agents * (onCpu ? CPU_PAGES_PER_S_PER_AGENT : perGpu);
  return repeatKind(c.workload, phase.subset, offerPages(phase, c.workload.pages, pagesPerS));
}

async function runPhase(phase: TPhase, c: TPhaseContext): Promise<TFleetRun["phases"][number]> {
  const extra: TAgent[] = [];
  let restore: Partial<TThresholds> | null = null;
  const config: Record<string, unknown> = { kind: phase.kind, agents: phase.agents, ...(phase.kind !== "cpu" && { gpus: phase.agents }) };
  try {
    let active: TAgent[];
    if (phase.kind === "cpu") {
      const threads = threadsFor(phase.agents);
      extra.push(...Array.from({ length: phase.agents }, (_, i) => c.startAgent(`${args.name}-cpu${i}`, { HEADROOM_OCR_THREADS: String(threads), HEADROOM_PROVIDERS: "cpu" })));
      await waitOnline(c.apiKey, extra, 180_000);
      active = extra;
      config.cpuThreadsPerAgent = threads;
    } else {
      active = c.accel.slice(0, phase.agents);
    }
    await useOnly(c.apiKey, new Set(active.map((a) => a.name)));
    config.nodes = active.map((a) => a.name);
    if (phase.kind === "tight") {
      const before = (await getSettings(BASE, c.apiKey)).thresholds;
      const patch: Partial<TThresholds> = { memoryBudgetMiB: Number(args["tight-mib"]), sweepIntervalS: Number(args["tight-sweep-s"]) };
      restore = { memoryBudgetMiB: before.memoryBudgetMiB, sweepIntervalS: before.sweepIntervalS };
      const { version } = await putSettings(BASE, c.apiKey, patch);
      config.settings = { patch, version, appliedWithinMs: await waitApplied(c.prisma, active.map((a) => a.name), version ?? 0) };
    }
    log(`phase ${phase.label}: ${active.map((a) => a.name).join(", ")}`);
    const since = new Date();
    const capS = phase.capS ?? Number(args["phase-timeout-s"]);
    config.windowS = capS;
    const offered = offeredWorkload(phase, c);
    // The report labels the phase's pages with this (scripts/fleet-report/metrics.ts phaseWorkload).
    config.workload = phase.subset ?? "mixed";
    config.offeredPages = offered.pages;
    if (phase.subset) log(`phase ${phase.label}: ${offered.files.length} ${phase.subset} files, ${offered.pages} pages`);
    const drive = driveWorkload({
      baseUrl: BASE,
      apiKey: c.apiKey,
      files: offered.files,
      timeoutMs: capS * 1000,
      label: phase.label,
      log: (s) => log(`${phase.label}: ${s}`),
    });
    if (phase.kind === "kill") config.kill = await killRunnerMidJob(c.prisma, active[0]!, since);
    const result = await drive;
    // Work left at the end of the window must not run into the next phase's.
    config.canceledAtWindowEnd = await cancelUnfinished(c.prisma, c.apiKey, since);
    await new Promise((r) => setTimeout(r, 1500)); // the last samples and events reach the database
    const until = new Date();
    log(`phase ${phase.label}: ${result.pagesCompleted}/${result.pages} pages in ${result.wallS.toFixed(1)} s = ${result.pagesPerS.toFixed(2)} pages/s; ${JSON.stringify(result.statusCounts)}`);
    if (phase.kind === "kill") config.killOutcome = await killOutcome(c.prisma, config.kill as TKill, active[0]!.name, since, until);
    const dump = await exportWindow(c.prisma, { label: phase.label, since, until });
    return { ...dump, config, drive: result };
  } finally {
    if (restore) await putSettings(BASE, c.apiKey, restore);
    if (extra.length) {
      await stopChildren(extra.map((a) => a.child));
      children.splice(0, children.length, ...children.filter((ch) => !extra.some((a) => a.child === ch)));
    }
  }
}

/** Cancels the phase's jobs that have not finished and waits until none runs; returns how many were canceled. */
async function cancelUnfinished(prisma: PrismaClient, apiKey: string, since: Date): Promise<number> {
  const open = await prisma.job.findMany({ where: { createdAt: { gte: since }, status: { in: ["QUEUED", "PLACED", "RUNNING"] } }, select: { id: true } });
  for (const j of open) await cancelJob(BASE, apiKey, j.id);
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline && (await prisma.job.count({ where: { status: { in: ["PLACED", "RUNNING"] } } })) > 0) await new Promise((r) => setTimeout(r, 250));
  if (open.length) log(`canceled ${open.length} unfinished job(s) at the end of the window`);
  return open.length;
}

/** Drains every node but these, and undrains these. */
async function useOnly(apiKey: string, names: Set<string>): Promise<void> {
  for (const n of await listNodes(BASE, apiKey)) {
    if (n.state === "offline") continue; // a stopped agent of an earlier phase
    const drain = !names.has(n.name);
    if ((n.state === "drained") !== drain) await setDrained(BASE, apiKey, n.id, drain);
  }
}

type TKill = { at: string; pid: number; jobId: string; spares: number[] } | { error: string };

/** Waits for a job that has run a moment on `victim`, then kills its runner with SIGKILL. */
async function killRunnerMidJob(prisma: PrismaClient, victim: TAgent, since: Date): Promise<TKill> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    const job = await prisma.job.findFirst({ where: { status: "RUNNING", node: { name: victim.name }, createdAt: { gte: since }, startedAt: { lte: new Date(Date.now() - 300) } } });
    if (job) {
      const runners = descendantsMatching(readProcs(), victim.child.proc.pid!, "child.mjs");
      const target = runners[0];
      if (!target) return { error: `no runner process found below agent pid ${victim.child.proc.pid}` };
      process.kill(target.pid, "SIGKILL");
      log(`kill: SIGKILL runner pid ${target.pid} of ${victim.name} while it ran job ${job.id} (warm spare(s) left alone: ${runners.slice(1).map((r) => r.pid).join(", ") || "none"})`);
      return { at: new Date().toISOString(), pid: target.pid, jobId: job.id, spares: runners.slice(1).map((r) => r.pid) };
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { error: "no job ran on the victim within 120 s" };
}

/** What became of the killed job and of the agent whose runner died. */
async function killOutcome(prisma: PrismaClient, kill: TKill, victimName: string, since: Date, until: Date): Promise<Record<string, unknown>> {
  if ("error" in kill) return kill;
  const job = await prisma.job.findUniqueOrThrow({ where: { id: kill.jobId }, include: { node: true, events: { orderBy: { id: "asc" }, include: { node: true } } } });
  const at = new Date(kill.at);
  const victim = await prisma.node.findUniqueOrThrow({ where: { name: victimName } });
  const [restarts, laterJobs, notDone] = await Promise.all([
    prisma.nodeEvent.findMany({ where: { nodeId: victim.id, type: "runner_restart", createdAt: { gte: at } } }),
    prisma.job.count({ where: { nodeId: victim.id, status: "SUCCEEDED", startedAt: { gt: at } } }),
    prisma.job.count({ where: { createdAt: { gte: since, lte: until }, status: { not: "SUCCEEDED" } } }),
  ]);
  return {
    killedJob: { status: job.status, attempts: job.attempt, finishedOn: job.node?.name ?? null, events: job.events.map((e) => `${e.type}@${e.node?.name ?? "-"}#${e.attempt}`) },
    victimRestarts: restarts.map((r) => r.data),
    victimJobsCompletedAfterKill: laterJobs,
    victimStatus: victim.status,
    jobsNotSucceeded: notDone,
  };
}

/** Until every agent is online; an agent that exits first ends the run at once with its exit and log tail. */
async function waitOnline(apiKey: string, agents: readonly TAgent[], timeoutMs: number): Promise<void> {
  const names = agents.map((a) => a.name);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const exited = earlyExit(agents.map((a) => ({ ...a, logFile: path.join(LOGS, `${a.name}.log`) })));
    if (exited) throw exited;
    const nodes = await listNodes(BASE, apiKey);
    const missing = names.filter((n) => !nodes.some((x) => x.name === n && x.state !== "offline"));
    if (missing.length === 0) return;
    if (Date.now() > deadline) throw new Error(`agents not online after ${timeoutMs / 1000} s: ${missing.join(", ")} (logs in ${LOGS})`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** How long the nodes took to report the new settings version (heartbeats carry it); null if they did not within 30 s. */
async function waitApplied(prisma: PrismaClient, names: string[], version: number): Promise<number | null> {
  const startedAt = Date.now();
  while (Date.now() - startedAt < 30_000) {
    const nodes = await prisma.node.findMany({ where: { name: { in: names } }, select: { appliedSettingsVersion: true } });
    if (nodes.every((n) => (n.appliedSettingsVersion ?? 0) >= version)) return Date.now() - startedAt;
    await new Promise((r) => setTimeout(r, 250));
  }
  return null;
}

function threadsFor(agents: number): number {
  return Math.max(1, Math.floor(Number(args["cpu-threads"] ?? os.availableParallelism() / agents)));
}

function start(name: string, argv: string[], env: NodeJS.ProcessEnv, cwd = ROOT): TChild {
  const child = startChild(name, process.execPath, argv, { cwd, env, logFile: path.join(LOGS, `${name}.log`) });
  children.push(child);
  void child.exited.then((code) => !stopping && log(`${name} exited with code ${code}`));
  return child;
}

function hostInfo(gpus: Awaited<ReturnType<typeof discoverGpus>>): TFleetRun["host"] {
  let driver: string | undefined;
  let bus: string[] = [];
  try {
    const rows = execFileSync("nvidia-smi", ["--query-gpu=driver_version,pci.bus_id", "--format=csv,noheader"], { encoding: "utf8" }).trim().split("\n");
    driver = rows[0]?.split(",")[0]?.trim();
    bus = rows.map((r) => r.split(",")[1]?.trim() ?? "");
  } catch {
    // no GPU: a rehearsal
  }
  return {
    name: args.name!,
    gpus: gpus.map((g, i) => ({ index: g.index, name: g.name, totalMiB: g.totalMiB, bus: bus[i] })),
    cpuCores: os.availableParallelism(),
    driver,
    date: new Date().toISOString(),
  };
}

let stopping = false;
async function shutdown(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    await stopChildren(children);
    await stopDb();
    log(`stopped (exit ${code})`);
  }
  process.exit(code);
}
process.on("SIGINT", () => void shutdown(130));
process.on("SIGTERM", () => void shutdown(143));

main().then(
  () => shutdown(0),
  (err: unknown) => {
    console.error(`[fleet] ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    return shutdown(1);
  },
);
