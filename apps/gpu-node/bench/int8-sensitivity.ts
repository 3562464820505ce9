/**
 * Which convolutions cost the int8 rec model its accuracy: each quantized conv in turn is left in
 * float, and the text CER against the float model is measured on held-out synthetic lines (never the
 * eval receipts). Prints one line per conv, most harmful first.
 *
 *   npx tsx bench/int8-sensitivity.ts [--lines 40] [--method mean]
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import ort from "onnxruntime-node";
import { defaultManifest } from "../src/ocr/index.ts";
import { buildCharset, ctcGreedyDecode } from "../src/ocr/ctc.ts";
import { rewriteOnnxForCpu } from "../src/ocr/fuse-activations.ts";
import { lineTensor, randomLine, renderLine, rng, type TCalibration } from "../src/ocr/int8-calibrate.ts";
import { parseModel, prepareForInt8, quantizeConvs } from "../src/ocr/quantize.ts";
import { editDistance } from "./score.ts";

const { values: args } = parseArgs({ options: { lines: { type: "string", default: "40" }, method: { type: "string", default: "mean" } } });
const m = defaultManifest();
const fp = prepareForInt8(rewriteOnnxForCpu(readFileSync(m.rec.file)).model);
const ranges = (JSON.parse(readFileSync("/tmp/int8-calibration-rec.json", "utf8")) as TCalibration)[args.method as "mean" | "minmax"];
const charset = buildCharset(readFileSync(m.dictionary.file, "utf8"), true);
const cjk = charset.filter((s) => /[\u4e00-\u9fff]/.test(s));
const r = rng(4242);
const lines = Array.from({ length: Number(args.lines) }, () => lineTensor(renderLine(randomLine(r, cjk), 48, r)));
const opts = { executionProviders: ["cpu"], graphOptimizationLevel: "all", intraOpNumThreads: 2, logSeverityLevel: 3 } as const;
const decode = (d: Float32Array) => ctcGreedyDecode(d, 0, d.length / charset.length, charset.length, charset, true).text;
const edit = editDistance;
async function read(model: Uint8Array): Promise<string[]> {
  const s = await ort.InferenceSession.create(model, opts);
  const out: string[] = [];
  for (const x of lines) out.push(decode((await s.run({ [s.inputNames[0]!]: x }))[s.outputNames[0]!]!.data as Float32Array));
  await s.release();
  return out;
}
const ref = await read(fp);
const chars = ref.reduce((a, t) => a + t.length, 0);
const cer = (ts: string[]) => ts.reduce((a, t, i) => a + edit(ref[i]!, t), 0) / chars;
console.log(`all quantized: CER vs float ${cer(await read(quantizeConvs(fp, ranges).model)).toFixed(4)}`);
const convs = parseModel(fp).nodes.filter((n) => n.op === "Conv").map((n) => n.outputs[0]!);
const rows: Array<[string, number]> = [];
for (const [i, y] of convs.entries()) {
  const sub = { ...ranges };
  delete sub[y];
  rows.push([`${i} ${y}`, cer(await read(quantizeConvs(fp, sub).model))]);
  console.log(`conv ${i} ${y} float: ${rows.at(-1)![1].toFixed(4)}`);
}
console.log(rows.sort((a, b) => a[1] - b[1]).map(([k, v]) => `${k} ${v.toFixed(4)}`).join("\n"));
