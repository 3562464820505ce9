// `npm start`: the whole local fleet on one machine. Database (embedded unless DATABASE_URL is
// set), migrations, first-run credentials, the production web build on HEADROOM_PORT (3000) with its
// agent port beside it (HEADROOM_AGENT_PORT, 3001), the scheduler, and one agent per GPU (or one CPU
// agent) talking to that agent port. Ctrl-C stops all of it, Postgres included.
import os from "node:os";
import path from "node:path";
import { createPrismaClient } from "@headroom/db";
import { startDatabase, migrate } from "@headroom/db/bootstrap";
import { discoverGpus } from "../apps/gpu-node/src/telemetry/index.ts";
import { ensureBootstrapCredentials } from "../apps/web/src/server/auth/bootstrap.ts";
import { newestSourceMtimeMs, stampWebBuild, webBuildIsStale } from "./fleet/build.ts";
import { parseStartConfig, REPO_ROOT } from "./fleet/config.ts";
import { loadOrCreateCredentials } from "./fleet/credentials.ts";
import { startChild, stopChildren, waitForHttp, type TChild } from "./fleet/processes.ts";
import { execFileSync } from "node:child_process";

const log = (msg: string) => console.log(`[start] ${msg}`);
const config = parseStartConfig();
const children: TChild[] = [];
let stopDb: () => Promise<void> = async () => {};
let stopping = false;

async function shutdown(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    log("stopping…");
    await stopChildren(children);
    await stopDb();
    log("stopped");
  }
  process.exit(code);
}
process.on("SIGINT", () => void shutdown(0));
process.on("SIGTERM", () => void shutdown(0));

/** Postgres and initdb talk a lot; show only trouble unless LOG_LEVEL is debug. */
function dbLog(msg: string): void {
  if (config.LOG_LEVEL === "debug" || /ERROR|FATAL|PANIC|in use/.test(msg)) log(`db: ${msg.trimEnd()}`);
}

async function main(): Promise<void> {
  const db = await startDatabase({ dataDir: config.dataDir, databaseUrl: config.DATABASE_URL, port: config.HEADROOM_DB_PORT, log: dbLog });
  stopDb = db.stop;
  log(db.embedded ? `embedded Postgres up (data in ${path.join(config.dataDir, "pg")})` : "using DATABASE_URL");
  const { applied } = await migrate(db.url);
  log(applied.length ? `applied migrations: ${applied.join(", ")}` : "database schema is up to date");

  const { credentials, file, created } = await loadOrCreateCredentials(config.dataDir, {
    adminEmail: config.HEADROOM_ADMIN_EMAIL,
    adminPassword: config.HEADROOM_ADMIN_PASSWORD,
    apiKey: config.HEADROOM_API_KEY,
  });
  const prisma = createPrismaClient(db.url);
  await ensureBootstrapCredentials(prisma, credentials);
  await prisma.fleetSettings.upsert({ where: { id: 1 }, create: { id: 1 }, update: {} });
  await prisma.$disconnect();

  const env = {
    ...process.env,
    DATABASE_URL: db.url,
    HEADROOM_DATA_DIR: config.dataDir,
    HEADROOM_ENROLL_TOKEN: credentials.enrollToken,
    HEADROOM_STORAGE: config.HEADROOM_STORAGE,
    LOG_LEVEL: config.LOG_LEVEL,
    NEXT_TELEMETRY_DISABLED: "1",
  };
  const webDir = path.join(REPO_ROOT, "apps/web");
  const nextBin = path.join(REPO_ROOT, "node_modules/next/dist/bin/next");
  if (webBuildIsStale(REPO_ROOT) && config.HEADROOM_SKIP_BUILD === "0") {
    log("building the web app (next build; first start only, about 2 minutes on 2 cores)…");
    const sourcesMtimeMs = newestSourceMtimeMs(REPO_ROOT);
    execFileSync(process.execPath, [nextBin, "build"], { cwd: webDir, env, stdio: "inherit" });
    stampWebBuild(REPO_ROOT, sourcesMtimeMs);
  }
  const tsx = path.join(REPO_ROOT, "node_modules/tsx/dist/cli.mjs");
  const web = startChild("web", process.execPath, [nextBin, "start", "-p", String(config.HEADROOM_PORT), "-H", "127.0.0.1"], {
    cwd: webDir,
    env: { ...env, HEADROOM_AGENT_PORT: String(config.agentPort), HEADROOM_AGENT_HOST: "127.0.0.1" },
  });
  children.push(web);
  const url = `http://localhost:${config.HEADROOM_PORT}`;
  await waitForHttp(`${url}/api/health`, 120_000, () => web.proc.exitCode !== null);
  children.push(startChild("scheduler", process.execPath, [tsx, "apps/scheduler/src/main.ts"], { cwd: REPO_ROOT, env }));

  const agentEnv = { ...env, HEADROOM_CONTROL_URL: `http://127.0.0.1:${config.agentPort}` };
  const gpus = config.HEADROOM_AGENTS === "auto" ? await discoverGpus() : [];
  const agentMain = "apps/gpu-node/src/main.ts";
  if (gpus.length > 0) {
    for (const g of gpus) children.push(startChild(`gpu${g.index}`, process.execPath, [tsx, agentMain], { cwd: REPO_ROOT, env: { ...agentEnv, HEADROOM_GPU_INDEX: String(g.index) } }));
  } else {
    const count = /^\d+$/.test(config.HEADROOM_AGENTS) ? Number(config.HEADROOM_AGENTS) : 1;
    for (let i = 0; i < count; i++) {
      const name = count === 1 ? `${os.hostname()}-cpu` : `${os.hostname()}-cpu${i}`;
      children.push(startChild(`cpu${count === 1 ? "" : i}`, process.execPath, [tsx, agentMain], { cwd: REPO_ROOT, env: { ...agentEnv, HEADROOM_NODE_NAME: name } }));
    }
  }
  for (const c of children) void c.exited.then((code) => !stopping && log(`${c.name} exited with code ${code}`));

  console.log(
    [
      "",
      `Headroom is up: ${url}`,
      `  admin:   ${credentials.adminEmail} / ${credentials.adminPassword}`,
      `  API key: ${credentials.apiKey}`,
      `  ${created ? "saved to" : "from"} ${file}`,
      `  agents:  ${gpus.length > 0 ? `${gpus.length} GPU agent(s)` : `${children.length - 2} CPU agent(s) (no GPU found)`}, on the agent port ${config.agentPort}`,
      `  try:     curl -H "Authorization: Bearer ${credentials.apiKey}" -F file=@receipt.jpg ${url}/api/v1/jobs`,
      "Ctrl-C stops everything.",
      "",
    ].join("\n"),
  );
}

main().catch((err) => {
  console.error(`[start] ${err instanceof Error ? err.message : String(err)}`);
  void shutdown(1);
});
