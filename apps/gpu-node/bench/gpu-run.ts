/**
 * The GPU measurement (docs/gpu-runs.md): the real Runner, memory reader and memory rules, as the
 * agent uses them, plus per-stage timings of provider variants on the same images.
 *
 *   tsx bench/gpu-run.ts [--images DIR] [--providers cuda,webgpu,cpu] [--variants cpu,webgpu-orig,...]
 *     [--manifest base.json] [--child child.mjs] [--out DIR] [--threads N] [--sizes 1000x1000,...]
 *   tsx bench/gpu-run.ts --placement orig|hardsigmoid|minmax   (rec session on WebGPU, verbose ORT log)
 *
 * Phases: (1) runner: start with --providers, record the provider chosen and every provider's note;
 * memory (nvidia-smi device used + the runner's own MiB) before and after jobs of growing size; a
 * cleanup (recycle) with what it returned and how long the node could not serve; a sweep fired by
 * the pure shouldSweep rule with a short interval and a low threshold, then recycled and measured.
 * (2) variants: one engine per variant in this process, each image once to warm up and once timed.
 * On a machine without a GPU the reader falls back to host memory and the GPU variants record why
 * they failed, so the script runs end to end on the CPU too. --images defaults to
 * ../shared/eval/sroie2019/img beside the repository.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { usagePct } from "@headroom/policy";
import { DEFAULT_THRESHOLDS, type TMemoryReading, type TThresholds } from "@headroom/protocol";
import ort from "onnxruntime-node";
import pino from "pino";
import sharp from "sharp";
import { createOcrEngine, defaultManifest, loadManifest, ocrSwitchesFromEnv, rewriteAttributeClips, type TOcrManifest } from "../src/ocr/index.ts";
import { shouldSweep } from "../src/rules/memory-rules.ts";
import { runnerIsolationFor } from "../src/runner/gpu-isolation.ts";
import { Runner } from "../src/runner/runner.ts";
import { APPS_QUERY_FIELDS, createMemoryReader, discoverGpus, GPU_QUERY_FIELDS, parseComputeApps, parseGpuQuery, runNvidiaSmi } from "../src/telemetry/index.ts";
import { sroieDirOrFail } from "./score.ts";

const { values: args } = parseArgs({
  options: {
    images: { type: "string" }, // default: ../shared/eval/sroie2019/img beside the repository
    count: { type: "string", default: "10" },
    providers: { type: "string", default: "cuda,webgpu,cpu" },
    variants: { type: "string", default: "cpu,webgpu-orig,webgpu-hardsigmoid,webgpu-minmax,det-webgpu+cls-cpu+rec-webgpu,det-webgpu+rest-cpu" },
    manifest: { type: "string" },
    child: { type: "string" },
    out: { type: "string", default: path.join(os.tmpdir(), "gpu-run") },
    threads: { type: "string", default: String(os.availableParallelism()) },
    sizes: { type: "string", default: "1000x1000,2000x2000,3000x4000,4000x6000" },
    "sweep-interval-s": { type: "string", default: "5" },
    "sweep-above-pct": { type: "string", default: "0.1" },
    "skip-runner": { type: "boolean", default: false },
    isolation: { type: "boolean", default: false },
    placement: { type: "string" },
  },
});

const log = pino({ level: process.env.LOG_LEVEL ?? "warn" });
// The OCR switches (HEADROOM_OCR_INT8, HEADROOM_MODEL_CACHE, ...; src/ocr/switches.ts), read once as the
// agent does, for this process's engines and the runners' children alike.
const ocrSwitches = ocrSwitchesFromEnv(process.env);
const threads = Number(args.threads);
mkdirSync(args.out, { recursive: true });
const baseManifest: TOcrManifest = args.manifest ? await loadManifest(args.manifest) : defaultManifest();

const manifestDir = mkdtempSync(path.join(os.tmpdir(), "gpu-run-manifests-"));
function writeManifest(name: string, patch: Partial<TOcrManifest>): string {
  const file = path.join(manifestDir, `manifest.${name}.json`);
  writeFileSync(file, JSON.stringify({ ...baseManifest, ...patch }));
  return file;
}

// --placement: one rec session on WebGPU with ORT's verbose log on stderr, to see which nodes stay on the CPU.
if (args.placement) {
  const original = readFileSync(baseManifest.rec.file);
  const model = args.placement === "orig" ? original : rewriteAttributeClips(original, args.placement as "hardsigmoid" | "minmax").bytes;
  const s = await ort.InferenceSession.create(model, { executionProviders: ["webgpu"], logSeverityLevel: 0, logVerbosityLevel: 0 });
  await s.release();
  process.exit(0);
}

type TImage = { name: string; bytes: Buffer };
// Found only here, after --placement, which needs no images.
const imagesDir = args.images ?? path.join(sroieDirOrFail(undefined, "--images DIR"), "img");
const files = readdirSync(imagesDir).filter((f) => /\.(jpe?g|png)$/i.test(f)).sort().slice(0, Number(args.count));
const receipts: TImage[] = files.map((f) => ({ name: f, bytes: readFileSync(path.join(imagesDir, f)) }));

/** A page of W×H tiled with the receipts, three to a row, so text stays readable at the detector's 1600 px. */
async function syntheticPage(w: number, h: number): Promise<TImage> {
  const tileW = Math.floor(w / 3);
  const tiles = await Promise.all(receipts.map((r) => sharp(r.bytes).resize({ width: tileW }).png().toBuffer({ resolveWithObject: true })));
  const composite: Array<{ input: Buffer; left: number; top: number }> = [];
  let x = 0, y = 0, rowH = 0, k = 0;
  while (y < h) {
    const t = tiles[k++ % tiles.length]!;
    composite.push({ input: t.data, left: x, top: y });
    rowH = Math.max(rowH, t.info.height);
    x += tileW;
    if (x + tileW > w) [x, y, rowH] = [0, y + rowH, 0];
  }
  const bytes = await sharp({ create: { width: w, height: h, channels: 3, background: "#ffffff" } }).composite(composite).jpeg({ quality: 90 }).toBuffer();
  return { name: `${w}x${h}`, bytes };
}
const pages: TImage[] = [];
for (const s of args.sizes.split(",").filter(Boolean)) {
  const [w, h] = s.split("x").map(Number);
  pages.push(await syntheticPage(w!, h!));
}

const report: Record<string, unknown> = { startedAt: new Date().toISOString(), host: `${os.cpus()[0]?.model} ×${os.availableParallelism()}, Node ${process.version}` };
const save = () => writeFileSync(path.join(args.out, "gpu-run.json"), JSON.stringify(report, null, 2));

const gpus = await discoverGpus();
report.gpus = gpus;
try {
  report.nvidiaSmi = (await runNvidiaSmi(["--query-gpu=index,name,driver_version,memory.total,pci.bus_id", "--format=csv,noheader"])).trim();
} catch (err) {
  report.nvidiaSmi = `unavailable: ${(err as Error).message}`;
}
console.log("gpus", JSON.stringify(report.nvidiaSmi));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mem = (r: TMemoryReading) => ({ deviceUsedMiB: r.usedMiB, processMiB: r.processMiB, usagePct: Number(usagePct(r).toFixed(2)) });

// ---- Phase 0 (--isolation, several GPUs): one runner per GPU through the agent's mask; where does each land? ----
if (args.isolation && gpus.length > 1) {
  const runners: Array<{ gpu: number; runner: Runner; note: string }> = [];
  for (const g of gpus) {
    const { wrapper, note } = await runnerIsolationFor(g.index);
    const runner = new Runner({
      config: { providers: args.providers.split(","), manifestPath: writeManifest(`iso${g.index}`, {}), threads: Math.max(1, Math.floor(threads / gpus.length)), ocrSwitches },
      log,
      launchWrapper: wrapper,
      ...(args.child ? { childModulePath: path.resolve(args.child) } : {}),
    });
    await runner.start();
    runners.push({ gpu: g.index, runner, note });
  }
  await Promise.all(runners.map((r) => r.runner.recognize(pages[pages.length - 1]!.bytes, { timeoutMs: 300_000 })));
  const devs = parseGpuQuery(await runNvidiaSmi([`--query-gpu=${GPU_QUERY_FIELDS}`, "--format=csv,noheader,nounits"]));
  const apps = parseComputeApps(await runNvidiaSmi([`--query-compute-apps=${APPS_QUERY_FIELDS}`, "--format=csv,noheader,nounits"]));
  const iso = runners.map(({ gpu, runner, note }) => {
    const pid = runner.pid;
    const rows = apps.filter((a) => a.pid === pid);
    const landedOn = rows.map((a) => devs.find((d) => d.busId === a.busId)?.index);
    return { gpu, note, pid, provider: runner.ready?.provider, rows, landedOn, ok: landedOn.length === 1 && landedOn[0] === gpu };
  });
  report.isolation = { apps, iso };
  console.log("isolation", JSON.stringify(iso));
  await Promise.all(runners.map((r) => r.runner.stop()));
  save();
}

// ---- Phase 1: the real Runner, memory reader and rules ----
if (!args["skip-runner"]) {
  const providers = args.providers.split(",");
  const runner = new Runner({
    config: { providers, manifestPath: writeManifest("runner", {}), threads, ocrSwitches },
    log,
    ...(args.child ? { childModulePath: path.resolve(args.child) } : {}),
  });
  const reader = createMemoryReader({ gpuIndex: gpus.length ? 0 : null, cpuBudgetMiB: 16_384, runnerPids: () => (runner.pid === null ? [] : [runner.pid]) });
  const r: Record<string, unknown> = {};
  report.runner = r;
  r.idle = mem(await reader.read());
  const ready = await runner.start();
  r.ready = ready;
  console.log("runner ready", JSON.stringify({ provider: ready.provider, loadMs: ready.loadMs, providerNotes: ready.providerNotes }));
  await sleep(300);
  r.afterLoad = mem(await reader.read());
  const jobs: unknown[] = [];
  r.jobs = jobs;
  for (const img of [receipts[0]!, ...pages]) {
    const t0 = performance.now();
    const res = await runner.recognize(img.bytes, { timeoutMs: 300_000 });
    const wallMs = Math.round(performance.now() - t0);
    const after = mem(await reader.read());
    jobs.push({ image: img.name, wallMs, lines: res.pages[0]?.lines.length, timingsMs: res.timingsMs, after });
    console.log("job", img.name, wallMs, "ms", JSON.stringify(after));
  }
  // Cleanup, as the agent does it: reading, recycle, reading.
  const before = await reader.read();
  const rec = await runner.recycle();
  await sleep(300);
  const after = await reader.read();
  r.cleanup = { before: mem(before), after: mem(after), freedDeviceMiB: before.usedMiB - after.usedMiB, unavailableMs: rec.unavailableMs, newPid: rec.ready.pid };
  console.log("cleanup", JSON.stringify(r.cleanup));
  let lastCleanupAt = Date.now();
  // Grow again, then let the sweep rule decide, polled every second like the agent's sweep loop.
  await runner.recognize(pages[pages.length - 1]!.bytes, { timeoutMs: 300_000 });
  const t: TThresholds = { ...DEFAULT_THRESHOLDS, sweepIntervalS: Number(args["sweep-interval-s"]), sweepAbovePct: Number(args["sweep-above-pct"]) };
  const polls: unknown[] = [];
  for (let i = 0; i < 30; i++) {
    const reading = await reader.read();
    const since = Date.now() - lastCleanupAt;
    const fire = shouldSweep(reading, t, since);
    polls.push({ sinceLastCleanupMs: since, ...mem(reading), fire });
    if (fire) {
      const s = await runner.recycle();
      await sleep(300);
      const a = await reader.read();
      lastCleanupAt = Date.now();
      r.sweep = { thresholds: { sweepIntervalS: t.sweepIntervalS, sweepAbovePct: t.sweepAbovePct }, firedAfterMs: since, before: mem(reading), after: mem(a), freedDeviceMiB: reading.usedMiB - a.usedMiB, unavailableMs: s.unavailableMs };
      console.log("sweep", JSON.stringify(r.sweep));
      break;
    }
    await sleep(1000);
  }
  r.sweepPolls = polls;
  await runner.stop();
  await sleep(300);
  r.afterStop = mem(await reader.read());
  save();
}

// ---- Phase 2: provider variants, per-stage timings on the same images ----
type TVariant = { providers: string[]; patch: Partial<TOcrManifest> };
// Each variant's manifest is the base with this patch (the base's own stageProviders and WebGPU batching are overridden where named).
const VARIANTS: Record<string, TVariant> = {
  cpu: { providers: ["cpu"], patch: { stageProviders: null } },
  "webgpu-orig": { providers: ["webgpu"], patch: { stageProviders: null, webgpuClipRewrite: "none", rec: { ...baseManifest.rec, webgpu: null } } },
  "webgpu-hardsigmoid": { providers: ["webgpu"], patch: { stageProviders: null, webgpuClipRewrite: "hardsigmoid", rec: { ...baseManifest.rec, webgpu: null } } },
  "webgpu-minmax": { providers: ["webgpu"], patch: { stageProviders: null, webgpuClipRewrite: "minmax", rec: { ...baseManifest.rec, webgpu: null } } },
  "det-webgpu+cls-cpu+rec-webgpu": { providers: ["webgpu", "cpu"], patch: { stageProviders: { cls: ["cpu"] }, webgpuClipRewrite: "hardsigmoid", rec: { ...baseManifest.rec, webgpu: null } } },
  "det-webgpu+rest-cpu": { providers: ["webgpu", "cpu"], patch: { stageProviders: { cls: ["cpu"], rec: ["cpu"] } } },
};
// rec on WebGPU with larger batches (lines, padded columns), det on WebGPU, cls on the CPU.
for (const [n, cols] of [[16, 4096], [32, 8192], [64, 16384], [128, 32768]] as const) {
  VARIANTS[`mixed-rec-b${n}`] = {
    providers: ["webgpu", "cpu"],
    patch: { stageProviders: { cls: ["cpu"] }, webgpuClipRewrite: "hardsigmoid", rec: { ...baseManifest.rec, webgpu: { batchSize: n, batchColumnsPx: cols, layout: "NCHW" } } },
  };
}
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length === 0 ? NaN : s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const variants: Record<string, unknown> = {};
report.variants = variants;
const texts: Record<string, Record<string, string>> = {};
for (const name of args.variants.split(",").filter(Boolean)) {
  const v = VARIANTS[name];
  if (!v) throw new Error(`unknown variant ${name}`);
  let engine;
  const t0 = performance.now();
  try {
    ({ engine } = await createOcrEngine({ providers: v.providers, threads, switches: ocrSwitches, manifestPath: writeManifest(name, v.patch) }));
  } catch (err) {
    variants[name] = { failed: (err as Error).message };
    console.log("variant", name, "failed:", (err as Error).message);
    continue;
  }
  const loadMs = Math.round(performance.now() - t0);
  const all = [...receipts, ...pages];
  for (const img of all) await engine.recognize(img.bytes); // warm-up: shader compilation, arenas
  const perImage: Record<string, { wallMs: number; lines: number; timingsMs: Record<string, number> }> = {};
  texts[name] = {};
  for (const img of all) {
    const s = performance.now();
    const res = await engine.recognize(img.bytes);
    perImage[img.name] = { wallMs: Math.round(performance.now() - s), lines: res.pages[0]!.lines.length, timingsMs: res.timingsMs };
    texts[name]![img.name] = res.text;
  }
  const stageNames = ["decode", "detect", "crop", "classify", "recognize", "post"];
  const receiptMedians = Object.fromEntries(stageNames.map((k) => [k, median(receipts.map((r) => perImage[r.name]!.timingsMs[k] ?? 0))]));
  const receiptWall = median(receipts.map((r) => perImage[r.name]!.wallMs));
  variants[name] = { provider: engine.provider, loadMs, receiptMedians, receiptWallMedianMs: receiptWall, perImage };
  console.log("variant", name, engine.provider, "load", loadMs, "ms; receipts median", receiptWall, "ms", JSON.stringify(receiptMedians));
  await engine.release();
  save();
}
// Same text as the CPU on how many images?
if (texts.cpu) {
  report.sameTextAsCpu = Object.fromEntries(
    Object.entries(texts).map(([name, t]) => [name, `${Object.keys(t).filter((k) => t[k] === texts.cpu![k]).length}/${Object.keys(t).length}`]),
  );
  console.log("same text as cpu", JSON.stringify(report.sameTextAsCpu));
}
report.finishedAt = new Date().toISOString();
save();

// A short table last (the device tool returns the end of the output).
const f = (x: unknown) => (typeof x === "number" ? x.toFixed(1) : String(x));
console.log("\n| variant | provider | receipts median ms | decode | detect | crop | classify | recognize | post |");
for (const [name, v] of Object.entries(variants) as Array<[string, any]>) {
  if (v.failed) console.log(`| ${name} | failed: ${v.failed.slice(0, 120)} |`);
  else console.log(`| ${name} | ${v.provider} | ${f(v.receiptWallMedianMs)} | ${["decode", "detect", "crop", "classify", "recognize", "post"].map((k) => f(v.receiptMedians[k])).join(" | ")} |`);
}
for (const p of pages) {
  console.log(`${p.name}: ` + Object.entries(variants).filter(([, v]: any) => !v.failed).map(([n, v]: any) => `${n} ${v.perImage[p.name].wallMs} ms (det ${f(v.perImage[p.name].timingsMs.detect)}, rec ${f(v.perImage[p.name].timingsMs.recognize)}, ${v.perImage[p.name].lines} lines)`).join("; "));
}
process.exit(0);
