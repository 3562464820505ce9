// What one request of each kind costs the control plane: the CPU of the process serving it (route
// handler, zod, Prisma's client, the pg driver) and of the Postgres backends, per request, calling
// the real Next route handlers in this process against a real Postgres. An agent sends these at the
// shipped rates (heartbeat every 2 s, samples every second, then claim, file, start, heartbeats and
// complete per job) and every job is uploaded once, so at 1,000 GPUs their per-request cost decides
// how many cores the control plane needs; HTTP and Next's own routing come on top (bench:dispatch
// measures the whole).
//
//   cd apps/web && npx tsx bench/agent-requests.ts [--nodes 50] [--rounds 3] [--jobs 300] [--out <dir>]
import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { openBenchDatabase } from "../../../packages/scheduler/bench/db.ts";
import { fmt, machineLine, summarize, table, writeOut } from "../../../packages/scheduler/bench/stats.ts";
import { processCpuS } from "../../../packages/scheduler/bench/process-cpu.ts";

const { values: a } = parseArgs({ options: { nodes: { type: "string", default: "50" }, rounds: { type: "string", default: "3" }, jobs: { type: "string", default: "300" }, out: { type: "string" } } });
const NODES = Number(a.nodes);
const JOBS = Number(a.jobs);
const log = (m: string) => console.error(`[agent-requests] ${m}`);

const bench = await openBenchDatabase(process.env.BENCH_DATABASE_URL, log);
process.env.DATABASE_URL = bench.url;
process.env.HEADROOM_ENROLL_TOKEN = "bench-enroll-token-0000000000";
process.env.LOG_LEVEL = "silent";
process.env.HEADROOM_UPLOADS_PER_MINUTE = "100000000"; // one key sends every upload here
// The routes read the parsed env and the shared client, so they are loaded only once it is set.
const { POST: register } = await import("../src/app/api/agent/v1/register/route.ts");
const { POST: heartbeat } = await import("../src/app/api/agent/v1/heartbeat/route.ts");
const { POST: samples } = await import("../src/app/api/agent/v1/samples/route.ts");
const { POST: claim } = await import("../src/app/api/agent/v1/claim/route.ts");
const { GET: file } = await import("../src/app/api/agent/v1/jobs/[id]/file/route.ts");
const { POST: start } = await import("../src/app/api/agent/v1/jobs/[id]/start/route.ts");
const { POST: complete } = await import("../src/app/api/agent/v1/jobs/[id]/complete/route.ts");
const { POST: upload } = await import("../src/app/api/v1/jobs/route.ts");
const { createApiKey } = await import("../src/server/admin/api-keys.ts");
const { tinyPng } = await import("../../../packages/scheduler/bench/http-agents/png.ts");
const { db } = await import("../src/server/db.ts");
const { uploadStore } = await import("../src/server/jobs/upload-store.ts");
const { enqueueJobs, schedulerTick } = await import("@headroom/scheduler");

const backend = (await db().$queryRaw<{ pid: number }[]>`SELECT pg_backend_pid() AS pid`)[0]!.pid;
const postmaster = Number((await readFile(`/proc/${backend}/stat`, "utf8")).split(") ")[1]!.split(" ")[1]);
if (!(postmaster > 1)) throw new Error("cannot find the Postgres server's process");

const post = (url: string, token: string, body: unknown) =>
  new Request(`http://bench.local${url}`, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: JSON.stringify(body) });
const reading = (usedMiB: number) => ({ usedMiB, totalMiB: 81_559, freeMiB: 81_559 - usedMiB, processMiB: usedMiB, utilPct: 10, source: "nvml" as const });
const params = (id: string) => ({ params: Promise.resolve({ id }) });
async function ok(res: Response, what: string): Promise<Response> {
  if (res.status >= 300 && res.status !== 204) throw new Error(`${what}: ${res.status} ${await res.text()}`);
  return res;
}

const tokens: string[] = [];
for (let i = 0; i < NODES; i++) {
  const res = await ok(await register(post("/api/agent/v1/register", process.env.HEADROOM_ENROLL_TOKEN!, { name: `sim-agent-${i}`, hostname: "bench", kind: "GPU", gpuIndex: 0, gpuName: "SIMULATED", provider: "cuda", providerNotes: [], agentVersion: "bench", memory: reading(600) }), {}), "register");
  tokens.push(((await res.json()) as { token: string }).token);
}

type TMeasure = { name: string; count: number; ms: number[]; appCpuMs: number; pgCpuMs: number };
async function measure(name: string, count: number, one: (i: number) => Promise<void>): Promise<TMeasure> {
  const ms: number[] = [];
  const cpu0 = process.cpuUsage();
  const pg0 = processCpuS(postmaster)!; // the server lives as long as this bench
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    await one(i);
    ms.push(performance.now() - t0);
  }
  const cpu = process.cpuUsage(cpu0);
  const pg = processCpuS(postmaster)!;
  return { name, count, ms, appCpuMs: (cpu.user + cpu.system) / 1_000 / count, pgCpuMs: ((pg - pg0) * 1_000) / count };
}

/** One measurement out of several runs of the same request: counts and samples summed, CPU per request weighted by count. */
function merged(name: string, ms: TMeasure[]): TMeasure {
  const count = ms.reduce((n, m) => n + m.count, 0);
  const per = (f: (m: TMeasure) => number) => ms.reduce((s, m) => s + f(m) * m.count, 0) / count;
  return { name, count, ms: ms.flatMap((m) => m.ms), appCpuMs: per((m) => m.appCpuMs), pgCpuMs: per((m) => m.pgCpuMs) };
}

// The file's bytes do not matter here (the agent routes never decode it); its size is a small receipt's.
const png = Buffer.alloc(20_000, 7);
const { key: apiKey } = await createApiKey(db(), { name: "bench", role: "ADMIN" }, null);
const uploadPng = tinyPng();
const uploadRequest = (i: number) => {
  const form = new FormData();
  form.append("file", new Blob([new Uint8Array(uploadPng)], { type: "image/png" }), `bench-${i}.png`);
  return new Request("http://bench.local/api/v1/jobs", { method: "POST", headers: { authorization: `Bearer ${apiKey}` }, body: form });
};

// HEADROOM_CLAIM_FILE_MAX_BYTES=0 in this bench's environment measures the claim as it was before the file rode it.
const fileInClaim = Number(process.env.HEADROOM_CLAIM_FILE_MAX_BYTES ?? 512 * 1024) >= png.length;
const rows: string[][] = [];
for (let r = 0; r < Number(a.rounds); r++) {
  const parts: TMeasure[] = [];
  parts.push(await measure("POST heartbeat (idle)", NODES * 10, (i) => heartbeat(post("/api/agent/v1/heartbeat", tokens[i % NODES]!, { memory: reading(600 + (i % 7)), activeJobs: [], appliedSettingsVersion: 1 }), {}).then((x) => ok(x, "heartbeat")).then(() => {})));
  // An idle agent's beat carries its sample (sampleAt): the pair above and below, in one request.
  parts.push(await measure("POST heartbeat (idle, its sample in it)", NODES * 10, (i) => heartbeat(post("/api/agent/v1/heartbeat", tokens[i % NODES]!, { memory: reading(600 + (i % 7)), activeJobs: [], appliedSettingsVersion: 1, sampleAt: new Date().toISOString() }), {}).then((x) => ok(x, "heartbeat")).then(() => {})));
  parts.push(await measure("POST samples (1 reading)", NODES * 10, (i) => samples(post("/api/agent/v1/samples", tokens[i % NODES]!, { samples: [{ ...reading(600 + (i % 7)), at: new Date().toISOString(), jobId: null }] }), {}).then((x) => ok(x, "samples")).then(() => {})));
  // A job per node at a time: queue them, let the real tick place them, then each node runs its own.
  const keys = await Promise.all(Array.from({ length: JOBS }, () => uploadStore().put(png)));
  await enqueueJobs(db(), keys.map((storageKey, i) => ({ fileName: `bench-${r}-${i}.png`, mimeType: "image/png", sizeBytes: png.length, sha256: "0".repeat(64), widthPx: 100, heightPx: 100, pages: 1, batchId: null, storageKey, idempotencyKey: null, priority: 0, maxAttempts: 3, userId: null, apiKeyId: null })));
  // Nodes take one job at a time (maxConcurrent 1), so the jobs go in waves: a tick places one per
  // node, each node claims it, fetches its file, starts and completes it.
  const waves: Record<"claim" | "file" | "start" | "beat" | "complete" | "carried", TMeasure[]> = { claim: [], file: [], start: [], beat: [], complete: [], carried: [] };
  for (let done = 0; done < JOBS; ) {
    const tick = await schedulerTick(db(), { batchSize: 1_000, nodeOfflineMs: 60_000 });
    const wave: { token: string; jobId: string; attempt: number; filePath: string }[] = [];
    waves.claim.push(
      await measure("claim", NODES, async (i) => {
        const res = await ok(await claim(post("/api/agent/v1/claim", tokens[i]!, { waitMs: 0 }), {}), "claim");
        if (res.status !== 204) wave.push({ token: tokens[i]!, ...((await res.json()) as { jobId: string; attempt: number; filePath: string }) });
      }),
    );
    if (wave.length === 0) throw new Error(`no job was claimed after the tick ${JSON.stringify(tick)}`);
    const job = (i: number) => wave[i]!;
    waves.file.push(await measure("file", wave.length, (i) => file(new Request(`http://bench.local${job(i).filePath}`, { headers: { authorization: `Bearer ${job(i).token}` } }), params(job(i).jobId)).then((x) => ok(x, "file")).then((x) => x.arrayBuffer()).then(() => {})));
    // Half the jobs report their start, as a job running past the agent's start-report delay does;
    // the other half end first and carry it in their completion (startedMsAgo).
    const started = Math.ceil(wave.length / 2);
    waves.start.push(await measure("start", started, (i) => start(post(`/api/agent/v1/jobs/${job(i).jobId}/start`, job(i).token, { attempt: job(i).attempt, memory: reading(700) }), params(job(i).jobId)).then((x) => ok(x, "start")).then(() => {})));
    // A busy agent's beat renews its job's lease.
    waves.beat.push(await measure("beat", wave.length, (i) => heartbeat(post("/api/agent/v1/heartbeat", job(i).token, { memory: reading(900), activeJobs: [{ jobId: job(i).jobId, attempt: job(i).attempt }], appliedSettingsVersion: 1 }), {}).then((x) => ok(x, "heartbeat")).then(async (x) => {
      if (((await x.json()) as { revokedJobs: string[] }).revokedJobs.length > 0) throw new Error("a running job's lease was not renewed");
    })));
    const completion = (i: number, carried: object) =>
      complete(post(`/api/agent/v1/jobs/${job(i).jobId}/complete`, job(i).token, { attempt: job(i).attempt, durationMs: 250, memory: { beforeMiB: 700, afterMiB: 700, peakMiB: 900 }, result: { text: "", pages: [{ page: 1, widthPx: 100, heightPx: 100, lines: [], text: "" }], model: "bench", provider: "cuda", timingsMs: {} }, ...carried }), params(job(i).jobId)).then((x) => ok(x, "complete")).then(() => {});
    waves.complete.push(await measure("complete", started, (i) => completion(i, {})));
    if (wave.length > started) waves.carried.push(await measure("complete, its start in it", wave.length - started, (i) => completion(started + i, { startedMsAgo: 260 })));
    done += wave.length;
  }
  parts.push(await measure("POST /api/v1/jobs (one tiny PNG)", NODES * 2, (i) => upload(uploadRequest(i), {}).then((x) => ok(x, "upload")).then(() => {})));
  parts.push(merged(`POST claim (waitMs 0, after a tick${fileInClaim ? "; the 20 kB file in its answer" : ""})`, waves.claim), merged("GET file", waves.file), merged("POST start", waves.start), merged("POST heartbeat (running a job)", waves.beat), merged("POST complete (after a POST start)", waves.complete), merged("POST complete (carrying its start, startedMsAgo)", waves.carried));
  for (const p of parts) {
    const s = summarize(p.ms);
    rows.push([String(r + 1), p.name, String(p.count), fmt(p.appCpuMs, 2), fmt(p.pgCpuMs, 2), fmt(s.p50, 2), fmt(s.p99, 2)]);
    log(`round ${r + 1}, ${p.name}: ${fmt(p.appCpuMs, 2)} ms app CPU, ${fmt(p.pgCpuMs, 2)} ms Postgres CPU per request`);
  }
}
const report = [
  table(["round", "request", "requests", "route CPU ms / request", "Postgres CPU ms / request", "p50 ms", "p99 ms"], rows),
  "",
  `- ${NODES} SIMULATED nodes registered through the real route; requests one at a time, in this process, through the real Next route handlers (no HTTP server, no Next routing); ${JOBS} jobs a round queued with the real store and placed by the real tick (the tick's own CPU is not counted: only the claims after it).`,
  `- ${bench.where}; ${bench.settings}; Postgres ${bench.postgresVersion}. Postgres CPU is its server's processes only (/proc; 10 ms clock ticks, so ±${fmt(10 / (NODES * 10), 2)} ms on the heartbeat rows).`,
  machineLine(),
].join("\n");
console.log(report);
if (a.out) await writeOut(a.out, { "agent-requests.md": `${report}\n` });
await bench.close();
process.exit(0);
