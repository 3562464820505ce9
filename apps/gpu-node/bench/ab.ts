/**
 * Paired A/B timing of two configurations of this pipeline on the SROIE receipts, for a shared and
 * loaded machine: both engines are loaded in one process and run alternately on each image (order
 * swapped every image), so load changes hit both alike. Reports each side's median and the median of
 * the per-image time ratios, plus each side's page CER (normalised and raw), line-matched CER and recall.
 *
 *   npx tsx bench/ab.ts --a 'HEADROOM_OCR_INT8=0' --b '' [--from 0] [--to 29] [--reps 1] [--data DIR]
 *
 * --a/--b: space-separated KEY=VALUE settings for that side, on top of this process's environment:
 * the OCR switches (HEADROOM_OCR_INT8=0 etc., src/ocr/switches.ts) and a manifest via OCR_MANIFEST=path.
 * --a-src/--b-src: another copy of src/ocr/index.ts to load for that side (e.g. a git worktree of an
 * older commit inside the repo).
 */
import os from "node:os";
import path from "node:path";
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { createOcrEngine, ocrSwitchesFromEnv } from "../src/ocr/index.ts";
import { readGroundTruth, scoreImage, sroieDirOrFail, summarise, type TImageScore } from "./score.ts";

const { values: args } = parseArgs({
  options: {
    a: { type: "string", default: "" },
    "a-src": { type: "string" },
    "b-src": { type: "string" },
    b: { type: "string", default: "" },
    from: { type: "string", default: "0" },
    to: { type: "string", default: "29" },
    reps: { type: "string", default: "1" },
    threads: { type: "string", default: String(os.availableParallelism()) },
    data: { type: "string" }, // default: ../shared/eval/sroie2019 beside the repository
  },
});
const dataDir = sroieDirOrFail(args.data, "--data DIR");

/** "K=V K2=V2" as a map (a value may itself hold "="). */
function assignments(spec: string): Record<string, string> {
  return Object.fromEntries(
    spec.split(/\s+/).filter(Boolean).map((kv) => {
      const i = kv.indexOf("=");
      if (i < 1) throw new Error(`not KEY=VALUE: ${kv}`);
      return [kv.slice(0, i), kv.slice(i + 1)];
    }),
  );
}

/** Sets the assignments in process.env while `f` runs, for an older tree (--a-src) whose OCR modules read it themselves. */
async function withEnv<T>(set: Record<string, string>, f: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(set).map((k) => [k, process.env[k]]));
  Object.assign(process.env, set);
  try {
    return await f();
  } finally {
    for (const [k, v] of Object.entries(saved)) { if (v === undefined) delete process.env[k]; else process.env[k] = v; }
  }
}

async function make(spec: string, src: string | undefined) {
  const set = assignments(spec);
  const env = { ...process.env, ...set };
  // This tree's engine takes its switches as an argument, so the two sides cannot leak into each other.
  const switches = ocrSwitchesFromEnv(env);
  const manifestPath = env.OCR_MANIFEST;
  const opts = { providers: ["cpu"], threads: Number(args.threads), switches, ...(manifestPath ? { manifestPath } : {}) };
  if (!src) {
    const { engine } = await createOcrEngine(opts);
    return { recognize: (b: Buffer) => engine.recognize(b), release: () => engine.release() };
  }
  const mod = (await import(path.resolve(src))) as { createOcrEngine: typeof createOcrEngine };
  const { engine } = await withEnv(set, () => mod.createOcrEngine(opts));
  return { recognize: (b: Buffer) => withEnv(set, () => engine.recognize(b)), release: () => engine.release() };
}

const ids = Array.from({ length: Number(args.to) - Number(args.from) + 1 }, (_, i) => String(Number(args.from) + i).padStart(3, "0"));
const images = ids.map((id) => ({
  id,
  bytes: readFileSync(path.join(dataDir, "img", `${id}.jpg`)),
  gt: readGroundTruth(path.join(dataDir, "box", `${id}.csv`)),
}));
const engines = [await make(args.a, args["a-src"]), await make(args.b, args["b-src"])];
for (const e of engines) await e.recognize(images[0]!.bytes);
const ms: number[][] = [[], []];
const stage: Array<Record<string, number[]>> = [{}, {}];
const scores: TImageScore[][] = [[], []];
const ratios: number[] = [];
for (let rep = 0; rep < Number(args.reps); rep++) {
  for (const [n, img] of images.entries()) {
    const order = (n + rep) % 2 ? [1, 0] : [0, 1];
    const t: number[] = [0, 0];
    for (const k of order) {
      const t0 = performance.now();
      const r = await engines[k]!.recognize(img.bytes);
      t[k] = performance.now() - t0;
      ms[k]!.push(t[k]!);
      for (const [s, v] of Object.entries(r.timingsMs)) (stage[k]![s] ??= []).push(v);
      if (rep === 0) scores[k]!.push(scoreImage(img.gt, r.pages[0]!.lines.map((l) => ({ text: l.text, quad: l.box }))));
    }
    ratios.push(t[1]! / t[0]!);
  }
}
const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2; };
for (const k of [0, 1]) {
  const s = summarise(scores[k]!);
  const st = Object.entries(stage[k]!).map(([n, v]) => `${n} ${median(v).toFixed(0)}`).join(", ");
  console.log(`${k ? "B" : "A"} [${(k ? args["b-src"] : args["a-src"]) ?? "this tree"} ${k ? args.b : args.a}]: median ${median(ms[k]!).toFixed(0)} ms, norm CER ${s.normCerTotal.toFixed(4)} (mean ${s.normCerMean.toFixed(4)}), line-matched ${s.lineCerTotal.toFixed(4)} (mean ${s.lineCerMean.toFixed(4)}), raw ${s.rawCerTotal.toFixed(4)}, recall ${s.detRecall.toFixed(3)}; stages: ${st}`);
}
console.log(`B/A per-image time ratio: median ${median(ratios).toFixed(3)} (n=${ratios.length}); load ${os.loadavg().map((x) => x.toFixed(1)).join(" ")}`);
for (const e of engines) await e.release();
