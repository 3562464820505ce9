/**
 * One process of the contention bench (gpu-contention.ts starts it): the det and rec models opened as
 * the agent opens them, then a bare loop of one det call (960×960) and one rec call (64 lines × 320
 * columns) after another, on fixed random inputs, for `--seconds`. It prints {"ready"} once warm, waits
 * for "go" on stdin so that every process of a configuration starts together, and ends with one JSON
 * line of what it did.
 */
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import ort from "onnxruntime-node";
import { defaultManifest, loadManifest } from "../src/ocr/manifest.ts";
import { ocrSwitchesFromEnv } from "../src/ocr/switches.ts";
import { detRange, median, randomNchw, REC_RANGE } from "./ceiling-loop.ts";
import { openCeilingSessions, releaseAll } from "./ceiling-sessions.ts";

const { values: args } = parseArgs({
  options: { provider: { type: "string", default: "webgpu" }, threads: { type: "string", default: "4" }, seconds: { type: "string", default: "20" }, manifest: { type: "string" } },
});
const manifest = args.manifest ? await loadManifest(args.manifest) : defaultManifest();
const s = await openCeilingSessions(manifest, args.provider, { threads: Number(args.threads), switches: ocrSwitchesFromEnv(process.env) }, {});
const { det, rec } = s.sessions;
const detDims = [1, 3, 960, 960] as const;
const recDims = [64, 3, manifest.rec.inputHeightPx, 320] as const;
const dr = detRange(manifest.det.mean, manifest.det.std);
const detFeeds = { [det.inputNames[0]!]: new ort.Tensor("float32", randomNchw(detDims, dr.lo, dr.hi, 1), [...detDims]) };
const recFeeds = { [rec.inputNames[0]!]: new ort.Tensor("float32", randomNchw(recDims, REC_RANGE.lo, REC_RANGE.hi, 2), [...recDims]) };
for (let i = 0; i < 2; i++) {
  await det.run(detFeeds);
  await rec.run(recFeeds);
}
console.log(JSON.stringify({ ready: true, stageProvider: s.stageProvider }));
const lines = createInterface({ input: process.stdin });
await new Promise<void>((resolve) => lines.on("line", (l) => l.trim() === "go" && resolve()));

const detMs: number[] = [];
const recMs: number[] = [];
const t0 = performance.now();
const until = t0 + Number(args.seconds) * 1000;
while (performance.now() < until) {
  const a = performance.now();
  await det.run(detFeeds);
  const b = performance.now();
  await rec.run(recFeeds);
  detMs.push(b - a);
  recMs.push(performance.now() - b);
}
const seconds = (performance.now() - t0) / 1000;
console.log(JSON.stringify({ pairs: detMs.length, seconds, detMs: median(detMs), recMs: median(recMs) }));
lines.close();
await releaseAll(s.sessions);
process.exit(0);
