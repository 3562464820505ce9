/**
 * Int8 rec variants against the float model on held-out synthetic lines (a seed calibration never
 * used): text CER of the int8 reading against the float reading, arg-max flips per CTC step, and the
 * time of one [8, 3, 48, 320] batch (median of 15, variants interleaved). Reads the two calibrations
 * that bench/int8-calibrate.ts leaves in /tmp/int8-calibration-rec.json.
 *
 *   npx tsx bench/int8-check.ts [--lines 60]
 */
import { parseArgs } from "node:util";
import ort from "onnxruntime-node";
import { decodeModel } from "../src/ocr/model-prep/onnx-model.ts";
import { quantizeConvs, type TRanges } from "../src/ocr/model-prep/quantize.ts";
import { heldOutRec, SESSION_OPTIONS as opts } from "./int8-heldout.ts";
import { editDistance } from "./score.ts";

const convTensorsOnly = (b: Uint8Array) => decodeModel(b).nodes.filter((n) => n.op === "Conv").flatMap((n) => [n.inputs[0]!, n.outputs[0]!]);

const { values: args } = parseArgs({ options: { lines: { type: "string", default: "60" } } });
const { fp, calibration: cal, lines, decode } = heldOutRec(31337, Number(args.lines));
const noSwish = (rs: TRanges, keep: Set<string>) => Object.fromEntries(Object.entries(rs).filter(([k]) => keep.has(k)));
const convOnly = new Set(convTensorsOnly(fp));
const variants: Array<[string, Uint8Array]> = [["float", fp]];
for (const method of ["minmax", "mean", "mse"] as const) {
  const full = quantizeConvs(fp, cal[method]);
  // Without the uint8 hard-swish: drop the ranges of the hard-swish outputs that only it needs.
  const plainRanges = noSwish(cal[method], convOnly);
  const plain = quantizeConvs(fp, plainRanges);
  variants.push([`${method} convs (hswish ${plain.stats.hardSwish})`, plain.model], [`${method} convs+hswish (${full.stats.hardSwish})`, full.model]);
}
const sessions = await Promise.all(variants.map(([, b]) => ort.InferenceSession.create(b, opts)));
const edit = editDistance;
const texts: string[][] = variants.map(() => []);
for (const x of lines) for (const [k, s] of sessions.entries()) texts[k]!.push(decode((await s.run({ [s.inputNames[0]!]: x }))[s.outputNames[0]!]!.data as Float32Array));
const batch = new ort.Tensor("float32", new Float32Array(8 * 3 * 48 * 320).map((_, i) => Math.sin(i * 0.37)), [8, 3, 48, 320]);
const times: number[][] = variants.map(() => []);
for (let it = 0; it < 16; it++) for (const [k, s] of sessions.entries()) { const t0 = performance.now(); await s.run({ [s.inputNames[0]!]: batch }); if (it) times[k]!.push(performance.now() - t0); }
const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const refChars = texts[0]!.reduce((a, t) => a + t.length, 0);
for (const [k, [name]] of variants.entries()) {
  const err = texts[k]!.reduce((a, t, i) => a + edit(texts[0]![i]!, t), 0);
  console.log(`${name}: CER vs float ${(err / refChars).toFixed(4)} (${err}/${refChars}), batch ${med(times[k]!).toFixed(1)} ms (×${(med(times[k]!) / med(times[0]!)).toFixed(2)})`);
}
