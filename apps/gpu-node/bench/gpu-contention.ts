/**
 * Contention below the fleet (issue 16): the bare det/rec loop (contention-worker.ts), one process or
 * several per GPU, on 1, 2, 4 and 8 GPUs of the host, with no control plane. Each configuration's
 * processes start together and run `--seconds`; the table gives loop pairs per second in all, per
 * GPU, and the scaling efficiency against the same settings on one GPU. Varied: processes per GPU,
 * ORT threads, pinning to cores of the GPU's NUMA node (taskset), and the agent's nvidia-smi stream
 * on or off. Each process sees only its GPU, masked as the agent masks a runner's.
 *
 *   npx tsx apps/gpu-node/bench/gpu-contention.ts [--procs-per-gpu 1,3] [--threads 4] [--pins none,near]
 *     [--telemetry off,on] [--seconds 20] [--max-gpus N] [--provider webgpu|cpu] [--manifest FILE] [--out DIR]
 *   GPU host: bash scripts/gpu-host/bench.sh contention [same args]
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { deviceMinorForBusId, procBusId, runnerIsolationFor } from "../src/runner/gpu-isolation.ts";
import { GPU_QUERY_FIELDS, NvidiaSmiReader, parseGpuQuery, runNvidiaSmi } from "../src/telemetry/index.ts";
import { machine, machineLine } from "./ceiling-report.ts";
import { configLabel, contentionMatrix, parseCpuList, planWorkers, type TContentionConfig, type THostGpu, type TWorkerLaunch } from "./contention-plan.ts";

const { values: args } = parseArgs({
  options: {
    "procs-per-gpu": { type: "string", default: "1" },
    threads: { type: "string", default: "4" },
    pins: { type: "string", default: "none,near" },
    telemetry: { type: "string", default: "off,on" },
    seconds: { type: "string", default: "20" },
    "max-gpus": { type: "string" },
    provider: { type: "string", default: "webgpu" },
    manifest: { type: "string" },
    out: { type: "string" },
  },
});
const list = (s: string) => s.split(",").map((x) => x.trim()).filter(Boolean);

async function hostGpus(): Promise<THostGpu[]> {
  let rows;
  try {
    rows = parseGpuQuery(await runNvidiaSmi([`--query-gpu=${GPU_QUERY_FIELDS}`, "--format=csv,noheader,nounits"]));
  } catch {
    return args.provider === "cpu" ? [{ index: 0, minor: null, numaNode: -1 }] : [];
  }
  return rows.map((r) => {
    const numa = Number(readFileSync(`/sys/bus/pci/devices/${procBusId(r.busId)}/numa_node`, { encoding: "utf8", flag: "r" }).trim());
    return { index: r.index, minor: deviceMinorForBusId(r.busId), numaNode: Number.isFinite(numa) ? numa : -1 };
  });
}

function numaCpus(): Map<number, number[]> {
  const out = new Map<number, number[]>([[-1, parseCpuList(readFileSync("/sys/devices/system/cpu/online", "utf8"))]]);
  const dir = "/sys/devices/system/node";
  if (existsSync(dir)) for (const n of readdirSync(dir)) {
    const m = /^node(\d+)$/.exec(n);
    if (m) out.set(Number(m[1]), parseCpuList(readFileSync(path.join(dir, n, "cpulist"), "utf8")));
  }
  return out;
}

const here = path.dirname(fileURLToPath(import.meta.url));
const workerFile = path.join(here, `contention-worker${path.extname(fileURLToPath(import.meta.url))}`);

type TResult = { pairs: number; seconds: number; detMs: number; recMs: number };

async function startWorker(l: TWorkerLaunch, c: TContentionConfig, masked: boolean): Promise<{ proc: ChildProcess; ready: Promise<void>; result: Promise<TResult> }> {
  let argv = [process.execPath, ...process.execArgv, workerFile, "--provider", args.provider, "--threads", String(c.threads), "--seconds", args.seconds, ...(args.manifest ? ["--manifest", args.manifest] : [])];
  if (masked) {
    const iso = await runnerIsolationFor(l.gpu.index);
    if (iso.wrapper) argv = [iso.wrapper.command, ...iso.wrapper.args, ...argv];
  }
  if (l.cpus) argv = ["taskset", "-c", l.cpus.join(","), ...argv];
  const proc = spawn(argv[0]!, argv.slice(1), { stdio: ["pipe", "pipe", "inherit"] });
  const out = createInterface({ input: proc.stdout! });
  const exited = new Promise<never>((_, reject) => proc.once("exit", (code) => reject(new Error(`worker on GPU ${l.gpu.index} exited with code ${code}`))));
  exited.catch(() => {});
  const msgs: Array<(m: Record<string, unknown>) => void> = [];
  out.on("line", (line) => {
    if (!line.startsWith("{")) return;
    const m = JSON.parse(line) as Record<string, unknown>;
    msgs.shift()?.(m);
  });
  const next = () => Promise.race([new Promise<Record<string, unknown>>((r) => msgs.push(r)), exited]);
  const ready = next().then(() => undefined);
  const result = ready.then(() => next()).then((m) => m as unknown as TResult);
  return { proc, ready, result };
}

async function runConfig(c: TContentionConfig, gpus: THostGpu[], cpus: Map<number, number[]>) {
  const launches = planWorkers(c, gpus, cpus);
  const masked = gpus.length > 1;
  const workers = await Promise.all(launches.map((l) => startWorker(l, c, masked)));
  await Promise.all(workers.map((w) => w.ready));
  // The agent's telemetry: one nvidia-smi stream per busy GPU, read at its in-flight interval.
  const readers = c.telemetry && args.provider !== "cpu" ? gpus.slice(0, c.gpus).map((g) => new NvidiaSmiReader({ gpuIndex: g.index, runnerPids: () => workers.flatMap((w) => (w.proc.pid ? [w.proc.pid] : [])) })) : [];
  let sampling = true;
  const samples = readers.map(async (r) => {
    let n = 0;
    while (sampling) {
      await r.read();
      n++;
      await new Promise((res) => setTimeout(res, 250));
    }
    return n;
  });
  for (const w of workers) w.proc.stdin!.write("go\n");
  const results = await Promise.all(workers.map((w) => w.result));
  sampling = false;
  const sampleCounts = await Promise.all(samples);
  for (const r of readers) r.close?.();
  const pairsPerS = results.reduce((a, r) => a + r.pairs / r.seconds, 0);
  return { config: c, launches: launches.map((l) => ({ gpu: l.gpu.index, cpus: l.cpus })), results, pairsPerS, samples: sampleCounts };
}

const gpus = await hostGpus();
if (gpus.length === 0) throw new Error("no GPU shown by nvidia-smi: pass --provider cpu to rehearse");
const maxGpus = Math.min(gpus.length, Number(args["max-gpus"] ?? gpus.length));
const cpus = numaCpus();
const matrix = contentionMatrix(maxGpus, {
  procsPerGpu: list(args["procs-per-gpu"]).map(Number),
  threads: list(args.threads).map(Number),
  pins: list(args.pins) as Array<"none" | "near">,
  telemetry: list(args.telemetry).map((t) => t === "on"),
});
const m = machine();
console.log(`# Contention below the fleet: bare det+rec loops, ${args.seconds} s a configuration\n\n${machineLine(m)}; GPUs ${JSON.stringify(gpus)}\n`);
console.log("| GPUs | settings | pairs/s | per GPU | efficiency vs 1 GPU | det ms (median per process) | rec ms |\n|---:|---|---:|---:|---:|---|---|");
const rows: Array<Awaited<ReturnType<typeof runConfig>>> = [];
for (const c of matrix) {
  const r = await runConfig(c, gpus, cpus);
  rows.push(r);
  const one = rows.find((x) => x.config.gpus === 1 && configLabel(x.config) === configLabel(c));
  const eff = one ? r.pairsPerS / (c.gpus * one.pairsPerS) : NaN;
  console.log(`| ${c.gpus} | ${configLabel(c)} | ${r.pairsPerS.toFixed(2)} | ${(r.pairsPerS / c.gpus).toFixed(2)} | ${(100 * eff).toFixed(0)} % | ${r.results.map((x) => x.detMs.toFixed(0)).join("/")} | ${r.results.map((x) => x.recMs.toFixed(0)).join("/")} |`);
}
if (args.out) {
  mkdirSync(args.out, { recursive: true });
  writeFileSync(path.join(args.out, "gpu-contention.json"), JSON.stringify({ machine: m, gpus, seconds: Number(args.seconds), rows }, null, 2));
}
