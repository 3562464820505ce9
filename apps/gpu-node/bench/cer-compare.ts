/**
 * Does the GPU path read what the CPU path reads? The SROIE receipts through two engines in one
 * process: the GPU path (providers webgpu, cpu; the manifest's stage placement, as a GPU agent runs)
 * and the CPU path (cpu only), the two taking turns on each image. Scored as ../shared/eval/README.md
 * says (bench/score.ts); PASS when the normalised CER totals differ by at most 0.005.
 *
 *   npm run bench:cer -w @headroom/gpu-node -- [--from 0] [--to 59] [--images DIR --boxes DIR]
 *     [--manifest FILE] [--threads N] [--out DIR]
 *   GPU host: bash scripts/gpu-host/bench.sh cer [same args]
 *
 * Images and boxes default to ../shared/eval/sroie2019/{img,box} beside the repository. Where WebGPU
 * is missing the GPU path falls back to the CPU; the output says which provider each path got.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { createOcrEngine, ocrSwitchesFromEnv, type OcrEngine, type TProviderNote } from "../src/ocr/index.ts";
import { median } from "./ceiling-loop.ts";
import { machine, machineLine } from "./ceiling-report.ts";
import { defaultSroieDir, readGroundTruth, scoreImage, summarise, type TImageScore, type TSummary } from "./score.ts";

/** The largest |GPU − CPU| normalised CER (total) that still passes. */
const MAX_NORM_CER_DELTA = 0.005;

const { values: args } = parseArgs({
  options: {
    images: { type: "string" },
    boxes: { type: "string" },
    from: { type: "string", default: "0" },
    to: { type: "string", default: "59" },
    manifest: { type: "string" },
    threads: { type: "string", default: String(os.availableParallelism()) },
    out: { type: "string" },
  },
});
const sroie = defaultSroieDir();
const imgDir = args.images ?? (sroie && path.join(sroie, "img"));
const boxDir = args.boxes ?? (sroie && path.join(sroie, "box"));
if (!imgDir || !boxDir) throw new Error("no ../shared/eval/sroie2019 beside this repository: pass --images DIR --boxes DIR");

const from = Number(args.from), to = Number(args.to);
const ids = Array.from({ length: to - from + 1 }, (_, i) => String(from + i).padStart(3, "0"));
const images = ids.map((id) => ({ id, bytes: readFileSync(path.join(imgDir, `${id}.jpg`)), gt: readGroundTruth(path.join(boxDir, `${id}.csv`)) }));
const threads = Number(args.threads);
const switches = ocrSwitchesFromEnv(process.env);

type TPath = { name: "gpu" | "cpu"; engine: OcrEngine; notes: TProviderNote[]; ms: number[]; scores: TImageScore[]; texts: string[] };
async function open(name: "gpu" | "cpu", providers: string[]): Promise<TPath> {
  const { engine, providerNotes } = await createOcrEngine({ providers, threads, switches, ...(args.manifest ? { manifestPath: args.manifest } : {}) });
  return { name, engine, notes: providerNotes, ms: [], scores: [], texts: [] };
}
const gpu = await open("gpu", ["webgpu", "cpu"]);
const cpu = await open("cpu", ["cpu"]);
// ORT's reasons start with a source location; their end says what happened ("No supported adapters").
const tail = (reason = "") => {
  const line = reason.split("\n")[0]!;
  return line.length > 160 ? `…${line.slice(-150)}` : line;
};
const failed = (p: TPath) => p.notes.filter((n) => !n.ok).map((n) => `${n.stage ? `${n.stage}/` : ""}${n.provider}: ${tail(n.reason)}`);
const m = machine();
console.log(`# GPU path against CPU path, SROIE ${ids[0]}–${ids.at(-1)} (${ids.length} images)\n\n${machineLine(m)}\n`);
for (const p of [gpu, cpu]) {
  const f = failed(p);
  console.log(`${p.name} path: ${p.engine.model} on ${p.engine.provider}${f.length ? ` (not loaded: ${f.join("; ")})` : ""}`);
}
if (gpu.engine.provider === cpu.engine.provider) console.log("note: the GPU path got the same provider as the CPU path, so this compares the CPU with itself");

// Alternating which path goes first spreads a shared machine's changing load over both.
for (const [n, img] of images.entries()) {
  for (const p of n % 2 === 0 ? [gpu, cpu] : [cpu, gpu]) {
    const t0 = performance.now();
    const r = await p.engine.recognize(img.bytes);
    p.ms.push(performance.now() - t0);
    const lines = r.pages[0]!.lines;
    p.scores.push(scoreImage(img.gt, lines.map((l) => ({ text: l.text, quad: l.box }))));
    p.texts.push(r.text);
  }
  console.error(`  ${img.id}: gpu ${gpu.ms.at(-1)!.toFixed(0)} ms, cpu ${cpu.ms.at(-1)!.toFixed(0)} ms${gpu.texts.at(-1) === cpu.texts.at(-1) ? ", same text" : ""}`);
}
await Promise.all([gpu.engine.release(), cpu.engine.release()]);

const s = { gpu: summarise(gpu.scores), cpu: summarise(cpu.scores) };
const keys: Array<[keyof TSummary, string]> = [
  ["normCerMean", "normalised CER, mean"], ["normCerTotal", "normalised CER, total"],
  ["rawCerMean", "raw CER, mean"], ["rawCerTotal", "raw CER, total"],
  ["lineCerMean", "line-matched CER, mean"], ["lineCerTotal", "line-matched CER, total"],
  ["detRecall", "detection recall @IoU 0.5"],
];
const delta = Object.fromEntries(keys.map(([k]) => [k, s.gpu[k] - s.cpu[k]])) as Record<keyof TSummary, number>;
const differing = ids.filter((_, i) => gpu.texts[i] !== cpu.texts[i]);
const pass = Math.abs(delta.normCerTotal) <= MAX_NORM_CER_DELTA;
const f4 = (x: number) => x.toFixed(4);
const signed = (x: number) => `${x >= 0 ? "+" : "−"}${Math.abs(x).toFixed(4)}`;
console.log([
  "",
  `| metric | GPU path (${gpu.engine.provider}) | CPU path (${cpu.engine.provider}) | GPU − CPU |`,
  "|---|---:|---:|---:|",
  ...keys.map(([k, label]) => `| ${label} | ${f4(s.gpu[k])} | ${f4(s.cpu[k])} | ${signed(delta[k])} |`),
  `| median ms/img | ${median(gpu.ms).toFixed(0)} | ${median(cpu.ms).toFixed(0)} | |`,
  "",
  `Identical text on both paths: ${ids.length - differing.length} of ${ids.length} images${differing.length ? ` (differ: ${differing.join(", ")})` : ""}.`,
  `${pass ? "PASS" : "FAIL"}: |Δ normalised CER total| = ${Math.abs(delta.normCerTotal).toFixed(4)} ${pass ? "≤" : ">"} ${MAX_NORM_CER_DELTA}`,
].join("\n"));

if (args.out) {
  const outDir = path.resolve(args.out);
  mkdirSync(outDir, { recursive: true });
  const side = (p: TPath) => ({ provider: p.engine.provider, model: p.engine.model, providerNotes: p.notes, summary: s[p.name], medianMs: median(p.ms) });
  writeFileSync(path.join(outDir, "cer-compare.json"), JSON.stringify({
    startedAt: new Date().toISOString(), command: process.argv.slice(2), machine: m, threads, ids: [ids[0], ids.at(-1)],
    gpu: side(gpu), cpu: side(cpu), delta, identical: ids.length - differing.length, differing,
    maxNormCerDelta: MAX_NORM_CER_DELTA, pass,
    images: ids.map((id, i) => ({
      id, identical: gpu.texts[i] === cpu.texts[i],
      gpu: { ms: gpu.ms[i], score: gpu.scores[i], text: gpu.texts[i] },
      cpu: { ms: cpu.ms[i], score: cpu.scores[i], text: cpu.texts[i] },
    })),
  }, null, 2));
  console.log(`\nwrote ${path.join(outDir, "cer-compare.json")}`);
}
if (!pass) process.exitCode = 1;
