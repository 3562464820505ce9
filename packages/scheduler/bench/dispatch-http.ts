// Dispatch latency over the real HTTP path with real agents: starts the whole fleet with
// `scripts/start.ts` (embedded Postgres, migrations, the production Next.js control plane, the
// scheduler process and HEADROOM_AGENTS CPU agents, each running the real OCR model in a runner
// child), submits small real PNGs through `POST /api/v1/jobs` on loopback, and measures each job
// with its own `JobEvent` timestamps (read back through `GET /api/v1/jobs/:id`). The client and
// the stack's Postgres run on one machine, so the client's clock and `createdAt` agree.
//
//   npm run bench:dispatch [-- --write]    (--write appends section 2b to docs/bench-scheduler.md)
import { spawn, type ChildProcess } from "node:child_process";
import { appendFile, readFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import sharp from "sharp";
import { fmt, sleep, summarize, table } from "./stats.ts";

const root = path.resolve(import.meta.dirname, "../../..");
const PORT = 3200;
const DB_PORT = 54349;
const AGENTS = 2;
const BASE = `http://127.0.0.1:${PORT}`;
const API_KEY = "hr_bench_dispatch_key_0123456789abcdef";
const ADMIN_PASSWORD = "bench-dispatch-admin-password";
const STEADY_JOBS = Number(process.env.BENCH_STEADY_JOBS ?? 40);
const RATE_PER_S = Number(process.env.BENCH_RATE ?? 1);
const BURST_JOBS = Number(process.env.BENCH_BURST_JOBS ?? 10);
const WRITE = process.argv.includes("--write");
const COMMAND = `npm run bench:dispatch${WRITE ? " -- --write" : ""}`;

const log = (msg: string) => console.error(`[bench:dispatch ${new Date().toISOString().slice(11, 23)}] ${msg}`);

let stack: ChildProcess | undefined;
let stackExit: Promise<void> | undefined;

async function stopStack(): Promise<void> {
  const child = stack;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  stack = undefined;
  log("stopping the stack (SIGTERM to its process group)");
  try {
    process.kill(-child.pid!, "SIGTERM");
  } catch {
    /* already gone */
  }
  const killTimer = setTimeout(() => {
    log("stack still running after 60 s: SIGKILL");
    try {
      process.kill(-child.pid!, "SIGKILL");
    } catch {
      /* gone */
    }
  }, 60_000);
  await stackExit;
  clearTimeout(killTimer);
  log("stack exited");
}

let interrupted = false;
for (const sig of ["SIGINT", "SIGTERM"] as const) {
  process.on(sig, () => {
    if (interrupted) return;
    interrupted = true;
    log(`${sig}: cleaning up`);
    void stopStack().finally(() => process.exit(130));
  });
}

function startStack(): void {
  const env = {
    ...process.env,
    HEADROOM_PORT: String(PORT),
    HEADROOM_DB_PORT: String(DB_PORT),
    HEADROOM_DATA_DIR: path.join(root, ".data/bench-dispatch"),
    HEADROOM_AGENTS: String(AGENTS),
    HEADROOM_ADMIN_PASSWORD: ADMIN_PASSWORD,
    HEADROOM_API_KEY: API_KEY,
    LOG_LEVEL: "warn",
  };
  delete (env as Record<string, string | undefined>).DATABASE_URL;
  const child = spawn(process.execPath, ["node_modules/tsx/dist/cli.mjs", "scripts/start.ts"], { cwd: root, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  const prefix = (chunk: Buffer) => process.stderr.write(chunk.toString().replace(/^(?=.)/gm, "  [stack] "));
  child.stdout!.on("data", prefix);
  child.stderr!.on("data", prefix);
  stackExit = new Promise((resolve) => child.once("exit", (code, signal) => {
    log(`stack process exited (code ${code}, signal ${signal})`);
    resolve();
  }));
  stack = child;
}

async function api<T>(pathname: string, init: RequestInit = {}): Promise<{ status: number; body: T }> {
  const res = await fetch(`${BASE}${pathname}`, { ...init, headers: { authorization: `Bearer ${API_KEY}`, ...(init.headers ?? {}) } });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status: res.status, body: body as T };
}

async function waitFor(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<number> {
  const t0 = Date.now();
  for (;;) {
    if (stack === undefined || stack.exitCode !== null) throw new Error(`the stack exited while waiting for ${what}`);
    try {
      if (await check()) return Date.now() - t0;
    } catch {
      /* not up yet */
    }
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await sleep(500);
  }
}

async function renderPng(text: string): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="600" height="100"><rect width="100%" height="100%" fill="white"/><text x="20" y="62" font-family="DejaVu Sans, Arial, sans-serif" font-size="32" fill="black">${text}</text></svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}

type TSubmitted = { phase: string; id: string; submitAt: number; postMs: number };
type TJobView = { id: string; status: string; events: { type: string; at: string }[] };

async function submit(phase: string, i: number, png: Buffer): Promise<TSubmitted> {
  const form = new FormData();
  form.append("file", new Blob([new Uint8Array(png)], { type: "image/png" }), `bench-${phase}-${i}.png`);
  const submitAt = Date.now();
  const t0 = performance.now();
  const { status, body } = await api<{ jobs: { id: string }[] }>("/api/v1/jobs", { method: "POST", body: form });
  const postMs = performance.now() - t0;
  if (status !== 201 || !body?.jobs?.[0]?.id) throw new Error(`POST /api/v1/jobs → ${status}: ${JSON.stringify(body).slice(0, 300)}`);
  return { phase, id: body.jobs[0].id, submitAt, postMs };
}

const TERMINAL = new Set(["SUCCEEDED", "FAILED", "CANCELED"]);

async function main(): Promise<void> {
  const startedAt = Date.now();
  const load0 = os.loadavg();
  log(`starting the stack on port ${PORT} (db ${DB_PORT}, ${AGENTS} CPU agents); the first start may build the web app`);
  startStack();
  const healthMs = await waitFor("/api/health", 540_000, async () => (await fetch(`${BASE}/api/health`)).ok);
  log(`/api/health ok after ${(healthMs / 1000).toFixed(1)} s`);
  const nodesMs = await waitFor(`${AGENTS} nodes online`, 300_000, async () => {
    const { body } = await api<{ nodes: { state: string }[] }>("/api/v1/nodes");
    return (body?.nodes ?? []).filter((n) => n.state === "online").length >= AGENTS;
  });
  log(`${AGENTS} nodes online after a further ${(nodesMs / 1000).toFixed(1)} s`);
  const nodeList = (await api<{ nodes: { state: string; maxConcurrent: number }[] }>("/api/v1/nodes")).body.nodes;
  const slots = nodeList.filter((n) => n.state === "online").map((n) => n.maxConcurrent);

  // Render every image up front (unique text per job so no two uploads are identical).
  const total = STEADY_JOBS + BURST_JOBS + 2;
  const images = await Promise.all(Array.from({ length: total }, (_, i) => renderPng(`Headroom dispatch bench line ${i + 1} ${Date.now() % 100000}`)));
  log(`rendered ${total} PNGs (600×100, ${images[0]!.length} bytes each or so)`);

  // Warm-up: two jobs through the whole path (first model use, route compilation caches), not measured.
  const warm = await Promise.all([0, 1].map((i) => submit("warmup", i, images[i]!)));
  await waitDone(warm, 180_000);
  log("warm-up jobs done");

  const submitted: TSubmitted[] = [];
  const steadyT0 = performance.now();
  const inFlight: Promise<void>[] = [];
  for (let i = 0; i < STEADY_JOBS; i++) {
    const due = steadyT0 + (i * 1000) / RATE_PER_S;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    inFlight.push(submit("steady", i, images[2 + i]!).then((s) => void submitted.push(s)));
  }
  await Promise.all(inFlight);
  const steadyJobs = submitted.filter((s) => s.phase === "steady");
  await waitDone(steadyJobs, 180_000);
  log(`steady phase done (${STEADY_JOBS} jobs at ${RATE_PER_S}/s)`);

  const burst = await Promise.all(Array.from({ length: BURST_JOBS }, (_, i) => submit("burst", i, images[2 + STEADY_JOBS + i]!)));
  submitted.push(...burst);
  await waitDone(burst, 180_000);
  log(`burst phase done (${BURST_JOBS} at once)`);

  // Read every job's events.
  type TRow = { phase: string; status: string; submitToClaimed?: number; createdToPlaced?: number; placedToClaimed?: number; submitToCompleted?: number; postMs: number; clockSkewMs?: number };
  const rows: TRow[] = [];
  for (const s of submitted) {
    const { body } = await api<TJobView>(`/api/v1/jobs/${s.id}`);
    const first = (type: string) => {
      const e = body.events.find((x) => x.type === type);
      return e ? Date.parse(e.at) : undefined;
    };
    const created = first("created");
    const placed = first("placed");
    const claimed = first("claimed");
    const completed = first("completed");
    rows.push({
      phase: s.phase,
      status: body.status,
      postMs: s.postMs,
      submitToClaimed: claimed !== undefined ? claimed - s.submitAt : undefined,
      createdToPlaced: created !== undefined && placed !== undefined ? placed - created : undefined,
      placedToClaimed: placed !== undefined && claimed !== undefined ? claimed - placed : undefined,
      submitToCompleted: completed !== undefined ? completed - s.submitAt : undefined,
      clockSkewMs: created !== undefined ? created - s.submitAt : undefined,
    });
  }

  const elapsedS = (Date.now() - startedAt) / 1000;
  const load1 = os.loadavg();
  const cpus = os.cpus();
  const phases: [string, string][] = [
    ["steady", `steady, ${RATE_PER_S} job/s × ${STEADY_JOBS}`],
    ["burst", `burst of ${BURST_JOBS} at once`],
  ];
  const metrics: [keyof TRow, string][] = [
    ["submitToClaimed", "submit → claimed"],
    ["createdToPlaced", "created → placed"],
    ["placedToClaimed", "placed → claimed"],
    ["submitToCompleted", "submit → completed"],
    ["postMs", "POST /api/v1/jobs round trip"],
  ];
  const tableRows: string[][] = [];
  for (const [key, label] of phases) {
    const mine = rows.filter((r) => r.phase === key);
    const ok = mine.filter((r) => r.status === "SUCCEEDED").length;
    for (const [m, mlabel] of metrics) {
      const vals = mine.map((r) => r[m]).filter((v): v is number => typeof v === "number");
      const s = summarize(vals);
      tableRows.push([label, mlabel, `${vals.length}/${mine.length}`, fmt(s.p50), fmt(s.p90), fmt(s.p99), fmt(s.max)]);
    }
    tableRows.push([label, "jobs SUCCEEDED", `${ok}/${mine.length}`, "", "", "", ""]);
  }
  const skew = summarize(rows.map((r) => r.clockSkewMs).filter((v): v is number => typeof v === "number"));
  const out = [
    "## 2b. Dispatch over real HTTP with real agents",
    "",
    `Generated by \`${COMMAND}\` (\`tsx packages/scheduler/bench/dispatch-http.ts\`) on ${new Date().toISOString().slice(0, 10)}; the run took ${elapsedS.toFixed(0)} s (stack start ${((healthMs + nodesMs) / 1000).toFixed(0)} s of it).`,
    "",
    table(["phase", "measure", "n", "p50 ms", "p90 ms", "p99 ms", "max ms"], tableRows),
    "",
    `- This is the REAL path: the benchmark starts the whole fleet with \`scripts/start.ts\` as a child process (embedded Postgres, migrations, the production Next.js control plane on port ${PORT}, the scheduler process, and ${AGENTS} CPU agents, each running the real OCR model in its runner child), all on loopback on this one machine. Jobs are submitted over HTTP (\`POST /api/v1/jobs\`, multipart field \`file\`, Bearer API key); agents claim over HTTP (\`POST /api/agent/v1/claim\` long-poll), fetch the file and run OCR. Nothing is simulated.`,
    `- Images: one line of text rendered to a 600×100 PNG with sharp (~${(images[0]!.length / 1024).toFixed(1)} KiB each), unique text per job. Two warm-up jobs ran first and are not counted.`,
    `- Timings come from each job's own \`JobEvent\` rows (\`createdAt\` from the stack's Postgres), read back through \`GET /api/v1/jobs/:id\`. "submit" is the client's \`Date.now()\` just before the POST; client and Postgres share one clock (created − submit: p50 ${fmt(skew.p50)} ms, max ${fmt(skew.max)} ms, and never negative if the clocks agree: min ${fmt(Math.min(...rows.map((r) => r.clockSkewMs ?? Infinity)))} ms). "completed" is the \`completed\` event, written when the agent reports the OCR result.`,
    `- The ${AGENTS} agents' concurrency limits (\`maxConcurrent\`): ${slots.join(", ")}, so at most ${slots.reduce((a, b) => a + b, 0)} jobs run at once. The scheduler places a job only on a node below its limit, so in the burst "created → placed" is mostly waiting in the queue for a free slot (the OCR of earlier jobs), not scheduler latency; "placed → claimed" is the dispatch itself.`,
    `- Unlike section 2, this includes Next.js routing, bearer auth, upload parsing and validation, file storage, separate processes (web, scheduler, agents) and real OCR work (which holds the 2 cores the whole stack shares, so the burst queues behind CPU-bound OCR).`,
    `- Machine: ${cpus[0]?.model ?? "unknown"} (${cpus.length} logical cores visible to Node, shared with other engineers), ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB memory, ${os.type()} ${os.release()} ${os.arch()}, Node ${process.version}. Load average (1/5/15 min) at start ${load0.map((x) => x.toFixed(1)).join(" / ")}, at end ${load1.map((x) => x.toFixed(1)).join(" / ")}.`,
    "",
  ].join("\n");
  console.log(out);

  const failed = rows.filter((r) => r.status !== "SUCCEEDED").length;
  if (WRITE) {
    if (failed > 0) {
      log(`${failed} job(s) did not succeed: not writing docs/bench-scheduler.md`);
      process.exitCode = 1;
    } else {
      const docPath = path.join(root, "docs/bench-scheduler.md");
      const doc = await readFile(docPath, "utf8");
      await appendFile(docPath, `${doc.endsWith("\n") ? "" : "\n"}\n${out}`);
      log("appended section 2b to docs/bench-scheduler.md");
    }
  }
}

async function waitDone(jobs: TSubmitted[], timeoutMs: number): Promise<void> {
  const pending = new Set(jobs.map((j) => j.id));
  const t0 = Date.now();
  while (pending.size > 0) {
    for (const id of [...pending]) {
      const { status, body } = await api<TJobView>(`/api/v1/jobs/${id}`);
      if (status === 200 && TERMINAL.has(body.status)) pending.delete(id);
    }
    if (pending.size === 0) break;
    if (Date.now() - t0 > timeoutMs) throw new Error(`${pending.size} job(s) not finished after ${timeoutMs / 1000} s`);
    await sleep(250);
  }
}

try {
  await main();
} catch (err) {
  log(`failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exitCode = 1;
} finally {
  await stopStack();
}
