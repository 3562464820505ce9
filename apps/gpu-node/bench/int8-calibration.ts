/**
 * Calibration for int8 quantization (src/ocr/model-prep/quantize.ts), used by bench/int8-calibrate.ts:
 * the float model runs on synthetic text (test-fixtures/synthetic-text.ts, never the eval receipts)
 * with every tensor that quantization needs exposed as a graph output; each tensor's range is taken
 * over all inputs, and the conv biases are corrected for the mean shift quantization causes.
 */
import ort from "onnxruntime-node";
import { decodeModel, encodeModel, floatOutputField, graphValues, listNodes } from "../src/ocr/model-prep/onnx-model.ts";
import { convActivations, quantizeConvs, type TRanges } from "../src/ocr/model-prep/quantize.ts";

/** The model with `names` added as float graph outputs, for calibration runs. */
export function withGraphOutputs(bytes: Uint8Array, names: readonly string[]): Uint8Array {
  const m = decodeModel(bytes);
  const existing = graphValues(m, "output");
  return encodeModel(m, { extraGraph: names.filter((n) => !existing.has(n)).map(floatOutputField) });
}

export type TCalibration = { minmax: TRanges; mean: TRanges; mse: TRanges };

const BINS = 2048;
/** Fractions of each end of the observed range tried as clipping points by `mseRange`. */
const CLIP_FRACTIONS = [1, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.25, 0.2, 0.15, 0.1, 0.07, 0.05];

/**
 * The uint8 range for a tensor whose values fell into `hist` (BINS equal bins over [lo, hi]) that
 * minimises the expected squared quantization error: rounding (step²/12) inside the range, and the
 * distance to the nearer end outside it.
 */
export function mseRange(hist: Float64Array, lo: number, hi: number): [number, number] {
  const width = (hi - lo) / hist.length;
  let best: [number, number] = [lo, hi];
  let bestErr = Infinity;
  for (const fl of CLIP_FRACTIONS) {
    for (const fh of CLIP_FRACTIONS) {
      const a = Math.min(0, lo * fl), b = Math.max(0, hi * fh);
      const step = (b - a) / 255;
      if (!(step > 0)) continue;
      let err = 0;
      for (let i = 0; i < hist.length; i++) {
        const c = hist[i]!;
        if (!c) continue;
        const v = lo + (i + 0.5) * width;
        const d = v < a ? a - v : v > b ? v - b : 0;
        err += c * (d * d + (step * step) / 12);
      }
      if (err < bestErr) { bestErr = err; best = [a, b]; }
    }
  }
  return best;
}

/**
 * Ranges of every tensor that quantization needs (convActivations) over the given inputs, three ways:
 * `minmax`, the extremes over all inputs; `mean`, the mean over inputs of each input's extremes
 * (ONNX Runtime's moving-average MinMax calibrator); and `mse`, the clipping range with the least
 * expected squared error over a histogram of all values (a second pass). The model's own input keeps
 * its extremes in all three: it is normalised 8-bit pixels, where uint8 steps are exact.
 */
export async function calibrate(model: Uint8Array, inputs: readonly ort.Tensor[], threads = 2): Promise<TCalibration> {
  const names = convActivations(model);
  const session = await ort.InferenceSession.create(withGraphOutputs(model, names), {
    executionProviders: ["cpu"], graphOptimizationLevel: "basic", intraOpNumThreads: threads, logSeverityLevel: 3,
  });
  const minmax: TRanges = {};
  const sums: Record<string, [number, number]> = {};
  const hists: Record<string, Float64Array> = {};
  try {
    for (const x of inputs) {
      const out = await session.run({ [session.inputNames[0]!]: x }, names);
      for (const n of names) {
        const d = out[n]!.data as Float32Array;
        let lo = Infinity, hi = -Infinity;
        for (let i = 0; i < d.length; i++) { const v = d[i]!; if (v < lo) lo = v; if (v > hi) hi = v; }
        const cur = minmax[n];
        minmax[n] = cur ? [Math.min(cur[0], lo), Math.max(cur[1], hi)] : [lo, hi];
        const s = (sums[n] ??= [0, 0]);
        s[0] += lo;
        s[1] += hi;
      }
    }
    for (const x of inputs) {
      const out = await session.run({ [session.inputNames[0]!]: x }, names);
      for (const n of names) {
        const d = out[n]!.data as Float32Array;
        const [lo, hi] = minmax[n]!;
        const h = (hists[n] ??= new Float64Array(BINS));
        const k = hi > lo ? BINS / (hi - lo) : 0;
        for (let i = 0; i < d.length; i++) h[Math.min(BINS - 1, Math.floor((d[i]! - lo) * k))]! += 1;
      }
    }
  } finally {
    await session.release();
  }
  const own = new Set(session.inputNames);
  const count = inputs.length;
  const mean: TRanges = {}, mse: TRanges = {};
  for (const n of names) {
    const [lo, hi] = minmax[n]!;
    mean[n] = own.has(n) ? [lo, hi] : [sums[n]![0] / count, sums[n]![1] / count];
    mse[n] = own.has(n) ? [lo, hi] : mseRange(hists[n]!, lo, hi);
  }
  return { minmax, mean, mse };
}

/** Per-channel means of each named NCHW tensor of `model` over the inputs. */
export async function channelMeans(model: Uint8Array, names: readonly string[], inputs: readonly ort.Tensor[], threads = 2): Promise<Record<string, number[]>> {
  const session = await ort.InferenceSession.create(withGraphOutputs(model, names), {
    executionProviders: ["cpu"], graphOptimizationLevel: "all", intraOpNumThreads: threads, logSeverityLevel: 3,
  });
  const acc: Record<string, number[]> = {};
  try {
    for (const x of inputs) {
      const out = await session.run({ [session.inputNames[0]!]: x }, [...names]);
      for (const n of names) {
        const t = out[n]!;
        const [b, c] = t.dims as [number, number];
        const plane = t.data.length / (b * c);
        const d = t.data as Float32Array;
        const a = (acc[n] ??= new Array<number>(c).fill(0));
        for (let i = 0; i < b; i++) {
          for (let ch = 0; ch < c; ch++) {
            let sum = 0;
            const base = (i * c + ch) * plane;
            for (let k = 0; k < plane; k++) sum += d[base + k]!;
            a[ch] = a[ch]! + sum / plane / b / inputs.length;
          }
        }
      }
    }
  } finally {
    await session.release();
  }
  return acc;
}

/**
 * Empirical bias correction, one conv at a time in graph order: with convs 0..i quantized (and the
 * corrections so far), the mean of conv i's dequantized output per channel is compared with the float
 * model's, and the difference is taken off that conv's bias. Sequential, because correcting all convs
 * at once from one measurement diverged (each correction changes the inputs of the later convs).
 */
export async function biasCorrection(
  model: Uint8Array,
  ranges: TRanges,
  inputs: readonly ort.Tensor[],
  opts: { hardSwish?: boolean; log?: (msg: string) => void } = {},
): Promise<Record<string, number[]>> {
  const convs = decodeModel(model).nodes.filter((n) => n.op === "Conv" && !n.domain && ranges[n.inputs[0]!] && ranges[n.outputs[0]!]).map((n) => n.outputs[0]!);
  const reference = await channelMeans(model, convs, inputs);
  const shift: Record<string, number[]> = {};
  for (const [i, y] of convs.entries()) {
    const upToHere = { ...ranges };
    for (const later of convs.slice(i + 1)) delete upToHere[later];
    const q = quantizeConvs(model, upToHere, { hardSwish: opts.hardSwish, biasShift: shift }).model;
    const produced = new Set(listNodes(q).flatMap((n) => n.outputs));
    const dq = produced.has(`${y}.hswish.y`) ? `${y}.hswish.y` : `${y}.dq`;
    if (!produced.has(dq)) continue;
    const measured = (await channelMeans(q, [dq], inputs))[dq]!;
    shift[y] = measured.map((v, c) => Math.fround(v - reference[y]![c]!));
    opts.log?.(`bias correction ${i + 1}/${convs.length} ${y}: max |shift| ${Math.max(...shift[y]!.map(Math.abs)).toFixed(3)}`);
  }
  return shift;
}
