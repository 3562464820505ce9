// What an idle heartbeat costs a replica on the agent port: the port as shipped (agent actions
// called without a WHATWG Request or Response, their statements on the pool directly) against the
// same port serving each route through its Next handler (a Request and Response built around the
// action), in one process against a real Postgres, with the heartbeats sent over HTTP from a child
// process. Two loads: 8 keep-alive clients back to back, and one client with a gap between requests
// (a fleet's requests come one at a time, and a replica then runs its code cold). The CPU is this
// process's (the listener, the handlers, the pg driver), per request. Set HEADROOM_DB_DIRECT_QUERIES=false
// to put both on Prisma's $queryRaw.
//
//   cd apps/web && npx tsx bench/agent-port.ts [--requests 4000] [--gap-requests 600] [--gap-ms 15] [--pairs 2] [--out <dir>]
import { spawn } from "node:child_process";
import type { AddressInfo } from "node:net";
import { parseArgs } from "node:util";
import { openBenchDatabase } from "../../../packages/scheduler/bench/db.ts";
import { fmt, machineLine, table, writeOut } from "../../../packages/scheduler/bench/stats.ts";

const { values: a } = parseArgs({
  options: { requests: { type: "string", default: "4000" }, "gap-requests": { type: "string", default: "600" }, "gap-ms": { type: "string", default: "15" }, pairs: { type: "string", default: "2" }, out: { type: "string" } },
});
const log = (m: string) => console.error(`[agent-port] ${m}`);
const ENROLL = "bench-enroll-token-0000000000";
const NODES = 50;

const bench = await openBenchDatabase(process.env.BENCH_DATABASE_URL, log);
Object.assign(process.env, { DATABASE_URL: bench.url, LOG_LEVEL: "silent", HEADROOM_ENROLL_TOKEN: ENROLL, HEADROOM_STORAGE: "postgres" });
// The handlers read the parsed env and the shared client, so they are loaded only once it is set.
const { createAgentPortServer } = await import("../src/server/agent-port/server.ts");
const { AGENT_ROUTES } = await import("../src/server/agent-port/routes.ts");
const { agentRoute } = await import("../src/server/agent/call.ts");
const { env } = await import("../src/env.ts");

/** The peer: every JSON route through its Next handler, as the port served them before the actions. */
const throughNextHandlers = AGENT_ROUTES.map((r) => ("action" in r ? { method: r.method, path: r.path, longPoll: r.longPoll, handler: agentRoute(r.action) } : r));
const servers = { "agent port (actions)": createAgentPortServer(), "agent port through Next handlers (Request/Response)": createAgentPortServer(throughNextHandlers) };
const bases = new Map<string, string>();
for (const [name, s] of Object.entries(servers)) {
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  bases.set(name, `http://127.0.0.1:${(s.address() as AddressInfo).port}`);
}

const reading = (usedMiB: number) => ({ usedMiB, totalMiB: 81_559, freeMiB: 81_559 - usedMiB, processMiB: usedMiB, utilPct: 10, source: "nvml" });
const tokens: string[] = [];
for (let i = 0; i < NODES; i++) {
  const r = await fetch(`${bases.values().next().value}/api/agent/v1/register`, {
    method: "POST",
    headers: { authorization: `Bearer ${ENROLL}`, "content-type": "application/json" },
    body: JSON.stringify({ name: `sim-${i}`, hostname: "sim", kind: "GPU", gpuIndex: 0, gpuName: "SIMULATED", provider: "cuda", providerNotes: [], agentVersion: "bench", memory: reading(600) }),
  });
  if (r.status !== 200) throw new Error(`register: ${r.status}`);
  tokens.push(((await r.json()) as { token: string }).token);
}

/** The client, in its own process so its CPU is not counted: `requests` idle heartbeats from `workers` loops. */
const clientSource = `
const [base, tokens, body, n, workers, gapMs] = JSON.parse(process.argv[1]);
let i = 0;
async function worker() {
  while (i < n) {
    const k = i++;
    const r = await fetch(base + "/api/agent/v1/heartbeat", { method: "POST", headers: { authorization: "Bearer " + tokens[k % tokens.length], "content-type": "application/json" }, body });
    await r.arrayBuffer();
    if (r.status !== 200) { console.error("heartbeat: " + r.status); process.exit(1); }
    if (gapMs > 0) await new Promise((s) => setTimeout(s, gapMs));
  }
}
await Promise.all(Array.from({ length: workers }, worker));`;
const heartbeatBody = JSON.stringify({ memory: reading(600), activeJobs: [], appliedSettingsVersion: 1 });

function client(base: string, n: number, workers: number, gapMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const c = spawn(process.execPath, ["--input-type=module", "-e", clientSource, JSON.stringify([base, tokens, heartbeatBody, n, workers, gapMs])], { stdio: ["ignore", "inherit", "inherit"] });
    c.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`client exited ${code}`))));
  });
}

/** This process's CPU ms per heartbeat while the client sends `n` of them (after a warm-up of a tenth). */
async function cpuPerRequest(base: string, n: number, workers: number, gapMs: number): Promise<{ cpu: number; user: number; wall: number }> {
  await client(base, Math.ceil(n / 10), workers, gapMs);
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await client(base, n, workers, gapMs);
  const c = process.cpuUsage(c0);
  return { cpu: (c.user + c.system) / 1000 / n, user: c.user / 1000 / n, wall: (performance.now() - t0) / n };
}

const loads = [
  { name: "8 keep-alive clients, back to back", n: Number(a.requests), workers: 8, gapMs: 0 },
  { name: `1 client, ${a["gap-ms"]} ms between requests`, n: Number(a["gap-requests"]), workers: 1, gapMs: Number(a["gap-ms"]) },
];
const rows: string[][] = [];
for (const load of loads) {
  for (let pair = 1; pair <= Number(a.pairs); pair++) {
    for (const [name, base] of bases) {
      log(`${load.name}, ${name}, pair ${pair}`);
      const r = await cpuPerRequest(base, load.n, load.workers, load.gapMs);
      rows.push([load.name, name, String(pair), String(load.n), fmt(r.cpu, 3), fmt(r.user, 3), fmt(r.wall, 3)]);
    }
  }
}

const report = [
  "# The agent port: a replica's CPU per idle heartbeat",
  "",
  `Generated by \`npx tsx bench/agent-port.ts --requests ${a.requests} --gap-requests ${a["gap-requests"]} --gap-ms ${a["gap-ms"]} --pairs ${a.pairs}\` on ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC.`,
  "",
  table(["load", "server", "pair", "heartbeats", "server CPU ms / request", "of it user", "wall ms / request"], rows),
  "",
  `- ${NODES} SIMULATED nodes registered through the port; idle heartbeats (one statement each) over HTTP from a child process, whose CPU is not counted.`,
  `- Both servers are the real agent port in this one process, against a real Postgres; HEADROOM_DB_DIRECT_QUERIES=${env().HEADROOM_DB_DIRECT_QUERIES}. Each measurement follows a warm-up of a tenth as many requests.`,
  machineLine(),
].join("\n");
console.log(report);
if (a.out) await writeOut(a.out, { "agent-port.md": `${report}\n` });
for (const s of Object.values(servers)) s.close();
await bench.close();
process.exit(0);
