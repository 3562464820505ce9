/**
 * OCR benchmark on the SROIE receipts: this pipeline against @gutenye/ocr-node (same PP-OCRv4
 * models) and tesseract.js, one image at a time after a warm-up, scored as the eval README says:
 * page CER (order-sensitive) and line-matched CER (order-free), both normalised, plus detection recall.
 *
 *   npm run bench:ocr -w @headroom/gpu-node -- [--from 0] [--to 29] [--engines ours,gutenye,tesseract]
 *     [--threads 2] [--det-limit 1600] [--manifest path.json] [--write ../../docs/bench-ocr.md]
 *     [--data DIR: default ../shared/eval/sroie2019 beside the repository]
 */
import { readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { createOcrEngine, defaultManifest, ocrSwitchesFromEnv } from "../src/ocr/index.ts";
import { readGroundTruth, scoreImage, sroieDirOrFail, summarise, type THypLine, type TImageScore } from "./score.ts";
import { loadPeers, type TBenchEngine } from "./peers.ts";

const { values: args } = parseArgs({
  options: {
    from: { type: "string", default: "0" },
    to: { type: "string", default: "29" },
    engines: { type: "string", default: "ours,gutenye,tesseract" },
    threads: { type: "string", default: String(os.availableParallelism()) },
    "det-limit": { type: "string" },
    manifest: { type: "string" },
    data: { type: "string" }, // default: ../shared/eval/sroie2019 beside the repository
    write: { type: "string" },
    label: { type: "string" },
  },
});
const dataDir = sroieDirOrFail(args.data, "--data DIR");

const ids = Array.from({ length: Number(args.to) - Number(args.from) + 1 }, (_, i) => String(Number(args.from) + i).padStart(3, "0"));
const images = ids.map((id) => ({
  id,
  file: path.join(dataDir, "img", `${id}.jpg`),
  bytes: readFileSync(path.join(dataDir, "img", `${id}.jpg`)),
  gt: readGroundTruth(path.join(dataDir, "box", `${id}.csv`)),
}));
const threads = Number(args.threads);

async function ours(): Promise<TBenchEngine> {
  let manifestPath = args.manifest;
  if (args["det-limit"]) {
    const m = manifestPath ? JSON.parse(readFileSync(manifestPath, "utf8")) : defaultManifest();
    m.det.limitSidePx = Number(args["det-limit"]);
    manifestPath = path.join(os.tmpdir(), `bench-ocr-manifest-${process.pid}.json`);
    writeFileSync(manifestPath, JSON.stringify(m));
  }
  // The OCR switches (HEADROOM_OCR_INT8=0 etc., src/ocr/switches.ts) from this process's environment.
  const { engine } = await createOcrEngine({ providers: ["cpu"], threads, switches: ocrSwitchesFromEnv(process.env), ...(manifestPath ? { manifestPath } : {}) });
  const stages: Record<string, number[]> = {};
  return {
    name: args.label ?? `this pipeline (${engine.model}, ${engine.provider}, ${threads} threads)`,
    stages,
    async run(img) {
      const r = await engine.recognize(img.bytes);
      for (const [k, v] of Object.entries(r.timingsMs)) (stages[k] ??= []).push(v);
      return r.pages[0]!.lines.map((l) => ({ text: l.text, quad: l.box }));
    },
    release: () => engine.release(),
  };
}

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]!;
};
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

type TRow = { name: string; ms: number[]; summary: ReturnType<typeof summarise>; stages?: Record<string, number[]> };
const rows: TRow[] = [];
const wanted = args.engines.split(",");
const makers: Array<[string, () => Promise<TBenchEngine | string>]> = [
  ["ours", ours],
  ...loadPeers(threads),
];
// All engines are loaded first and take turns on each image (the order rotating per image), so a
// shared machine's changing load falls on every engine alike rather than on whichever ran last.
const live: Array<{ eng: TBenchEngine; ms: number[]; scores: TImageScore[] }> = [];
for (const [key, make] of makers) {
  if (!wanted.includes(key)) continue;
  const eng = await make();
  if (typeof eng === "string") {
    console.log(`skip ${key}: ${eng}`);
    continue;
  }
  await eng.run(images[0]!); // warm-up: first-run allocation and JIT
  if (eng.stages) for (const k of Object.keys(eng.stages)) eng.stages[k] = [];
  live.push({ eng, ms: [], scores: [] });
}
for (const [n, img] of images.entries()) {
  for (let j = 0; j < live.length; j++) {
    const e = live[(n + j) % live.length]!;
    const t0 = performance.now();
    const lines: THypLine[] = await e.eng.run(img);
    e.ms.push(performance.now() - t0);
    e.scores.push(scoreImage(img.gt, lines));
  }
}
for (const { eng, ms, scores } of live) {
  await eng.release();
  const summary = summarise(scores);
  rows.push({ name: eng.name, ms, summary, ...(eng.stages ? { stages: eng.stages } : {}) });
  console.log(`${eng.name}: median ${median(ms).toFixed(0)} ms, normalised CER page ${summary.normCerTotal.toFixed(3)}, line-matched ${summary.lineCerTotal.toFixed(3)}`);
}

const cpu = os.cpus();
const machine = `${cpu[0]?.model ?? "unknown CPU"}, ${os.availableParallelism()} cores visible, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${os.platform()} ${os.arch()}`;
const f3 = (x: number) => x.toFixed(3);
const fms = (x: number) => Math.round(x).toLocaleString("en-US");
const table = [
  `Receipts ${ids[0]}–${ids[ids.length - 1]} (${ids.length} images), one at a time after one warm-up image, the engines taking turns on each image. Machine: ${machine}; load average at the end ${os.loadavg().map((x) => x.toFixed(1)).join(" / ")}.`,
  "",
  // Page CER depends on line order (the reference is sorted by min y, min x); line-matched CER does not.
  "| engine | median ms/img | p90 ms/img | img/s | page normalised CER (mean / total) | line-matched normalised CER (mean / total) | page raw CER (mean / total) | det recall @IoU 0.5 |",
  "|---|---|---|---|---|---|---|---|",
  ...rows.map((r) => {
    const s = r.summary;
    const perSec = (r.ms.length / r.ms.reduce((a, b) => a + b, 0)) * 1000;
    return `| ${r.name} | ${fms(median(r.ms))} | ${fms(quantile(r.ms, 0.9))} | ${perSec.toFixed(2)} | ${f3(s.normCerMean)} / ${f3(s.normCerTotal)} | ${f3(s.lineCerMean)} / ${f3(s.lineCerTotal)} | ${f3(s.rawCerMean)} / ${f3(s.rawCerTotal)} | ${f3(s.detRecall)} |`;
  }),
  ...rows.filter((r) => r.stages).map((r) =>
    `\nStage medians, ${r.name} (ms): ${Object.entries(r.stages!).map(([k, v]) => `${k} ${median(v).toFixed(0)}`).join(", ")}.`),
].join("\n");
console.log(`\n${table}`);
if (args.write) {
  const docPath = path.resolve(args.write);
  const doc = readFileSync(docPath, "utf8");
  const start = "<!-- bench:ocr:begin -->", end = "<!-- bench:ocr:end -->";
  const i = doc.indexOf(start), j = doc.indexOf(end);
  if (i < 0 || j < 0) throw new Error(`${docPath} lacks the ${start} … ${end} markers`);
  writeFileSync(docPath, `${doc.slice(0, i + start.length)}\n${table}\n${doc.slice(j)}`);
  console.log(`wrote ${docPath}`);
}
