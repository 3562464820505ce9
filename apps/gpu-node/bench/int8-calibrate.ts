/**
 * Calibrate the int8 CPU models (src/ocr/model-prep/quantize.ts, int8.ts) on synthetic text only: receipt-like
 * Latin lines and Chinese lines from the model's dictionary, rendered with the system fonts (rec, cls),
 * and pages of such lines (det), then (rec, cls) sequential bias correction on further rendered lines.
 * No eval receipt is used. Writes src/ocr/model-prep/int8-ranges.json.
 *
 *   npx tsx bench/int8-calibrate.ts [--lines 300] [--pages 8] [--stages det,rec] [--method mse|mean|minmax] [--float-convs N] [--float-last N]
 */
import { readFileSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import ort from "onnxruntime-node";
import { defaultManifest } from "../src/ocr/index.ts";
import { packDetTensor } from "../src/ocr/detect.ts";
import { fuseActivations } from "../src/ocr/model-prep/fuse-activations.ts";
import { prepareForInt8 } from "../src/ocr/model-prep/int8-form.ts";
import { INT8_RANGES_FILE, modelKey, readRangesFile } from "../src/ocr/model-prep/int8.ts";
import { decodeModel } from "../src/ocr/model-prep/onnx-model.ts";
import { lineTensor, randomLine, renderLine, renderPage, rng } from "../test-fixtures/synthetic-text.ts";
import { biasCorrection, calibrate } from "./int8-calibration.ts";

const { values: args } = parseArgs({
  options: {
    lines: { type: "string", default: "300" },
    pages: { type: "string", default: "8" },
    stages: { type: "string", default: "rec" },
    method: { type: "string", default: "mean" },
    "bias-lines": { type: "string", default: "60" },
    "bias-pages": { type: "string", default: "4" },
    "float-convs": { type: "string", default: "0" },
    "float-last": { type: "string", default: "0" },
    out: { type: "string", default: INT8_RANGES_FILE },
  },
});
const m = defaultManifest();
const cjk = readFileSync(m.dictionary.file, "utf8").split("\n").filter((s) => /[\u4e00-\u9fff]/.test(s));
const all = readRangesFile();
for (const stage of args.stages.split(",")) {
  const file = stage === "det" ? m.det.file : stage === "cls" ? m.cls!.file : m.rec.file;
  const original = readFileSync(file);
  const model = prepareForInt8(fuseActivations(original).model);
  const r = rng(stage === "det" ? 11 : 7);
  const t0 = performance.now();
  const detPage = () => {
    const w = 32 * (15 + Math.floor(r() * 16)), h = 32 * (30 + Math.floor(r() * 21));
    const page = renderPage(w, h, r, cjk);
    return new ort.Tensor("float32", packDetTensor(page, [2, 1, 0], m.det.mean, m.det.std), [1, 3, h, w]);
  };
  function* generate(): Generator<ort.Tensor> {
    if (stage === "det") {
      for (let i = 0; i < Number(args.pages); i++) yield detPage();
    } else {
      const H = stage === "cls" ? m.cls!.inputHeightPx : m.rec.inputHeightPx;
      for (let i = 0; i < Number(args.lines); i++) yield lineTensor(renderLine(randomLine(r, cjk), H, r));
    }
  }
  const cal = await calibrate(model, [...generate()]);
  const ranges = { ...cal[args.method as keyof typeof cal] };
  // --float-convs N / --float-last N: the first / last N convs (graph order) stay float: quantizeConvs
  // skips a conv without ranges.
  const convs = decodeModel(model).nodes.filter((n) => n.op === "Conv").map((n) => n.outputs[0]!);
  for (const y of convs.slice(0, Number(args["float-convs"]))) delete ranges[y];
  for (const y of convs.slice(convs.length - Number(args["float-last"]))) delete ranges[y];
  // Bias correction on a separate set of rendered lines or pages.
  const biasInputs = stage === "det"
    ? Array.from({ length: Number(args["bias-pages"]) }, () => detPage())
    : Array.from({ length: Number(args["bias-lines"]) }, () => lineTensor(renderLine(randomLine(r, cjk), m.rec.inputHeightPx, r)));
  const biasShift = biasInputs.length ? await biasCorrection(model, ranges, biasInputs, { log: (s) => process.stdout.write(`\r${s}   `) }) : undefined;
  all[modelKey(file, original)] = { ranges, ...(biasShift ? { biasShift } : {}) };
  writeFileSync(`/tmp/int8-calibration-${stage}.json`, JSON.stringify(cal));
  console.log(`\n${stage}: ${Object.keys(ranges).length} tensors calibrated, ${Object.keys(biasShift ?? {}).length} biases corrected in ${Math.round(performance.now() - t0)} ms`);
}
// One tensor per line, numbers to 6 significant digits: readable diffs, ~70 KB.
const text = JSON.stringify(all, (_k, v: unknown) => (typeof v === "number" ? Number(v.toPrecision(6)) : v), 1)
  .replace(/\[\s+([^[\]]*?)\s+\]/g, (_m, inner: string) => `[${inner.replace(/\s+/g, " ")}]`);
writeFileSync(args.out, `${text}\n`);
console.log(`wrote ${args.out} (${args.method})`);
