/**
 * Which convolutions cost the int8 rec model its accuracy: each quantized conv in turn is left in
 * float, and the text CER against the float model is measured on held-out synthetic lines (never the
 * eval receipts). Prints one line per conv, most harmful first.
 *
 *   npx tsx bench/int8-sensitivity.ts [--lines 40] [--method mean]
 */
import { parseArgs } from "node:util";
import ort from "onnxruntime-node";
import { decodeModel } from "../src/ocr/model-prep/onnx-model.ts";
import { quantizeConvs } from "../src/ocr/model-prep/quantize.ts";
import { heldOutRec, SESSION_OPTIONS as opts } from "./int8-heldout.ts";
import { editDistance } from "./score.ts";

const { values: args } = parseArgs({ options: { lines: { type: "string", default: "40" }, method: { type: "string", default: "mean" } } });
const { fp, calibration, lines, decode } = heldOutRec(4242, Number(args.lines));
const ranges = calibration[args.method as "mean" | "minmax"];
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
const convs = decodeModel(fp).nodes.filter((n) => n.op === "Conv").map((n) => n.outputs[0]!);
const rows: Array<[string, number]> = [];
for (const [i, y] of convs.entries()) {
  const sub = { ...ranges };
  delete sub[y];
  rows.push([`${i} ${y}`, cer(await read(quantizeConvs(fp, sub).model))]);
  console.log(`conv ${i} ${y} float: ${rows.at(-1)![1].toFixed(4)}`);
}
console.log(rows.sort((a, b) => a[1] - b[1]).map(([k, v]) => `${k} ${v.toFixed(4)}`).join("\n"));
