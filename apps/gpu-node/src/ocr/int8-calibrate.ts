/**
 * Calibration for int8 quantization (quantize.ts): synthetic text rendered with the system fonts
 * (receipt-like Latin lines and Chinese lines from the model's own dictionary), never the eval
 * receipts. The float model runs with every Conv input and output exposed as a graph output, and
 * each tensor's range is the min/max over all calibration inputs.
 */
import { createCanvas } from "@napi-rs/canvas";
import ort from "onnxruntime-node";
import { listNodes } from "./model-rewrite.ts";
import { convActivations, parseModel, quantizeConvs, withGraphOutputs, type TRanges } from "./quantize.ts";

/** Deterministic pseudo-random numbers in [0, 1). */
export function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    return s / 2 ** 32;
  };
}

const FONTS = ["DejaVu Sans", "DejaVu Sans Mono", "DejaVu Serif", "Liberation Sans", "Liberation Mono", "Liberation Serif", "Noto Sans CJK SC"];
const UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const LOWER = "abcdefghijklmnopqrstuvwxyz";

/** A random receipt-like line: words, amounts, dates, codes; Chinese from `cjk` now and then. */
export function randomLine(r: () => number, cjk: readonly string[]): string {
  const pick = (s: string | readonly string[]) => s[Math.floor(r() * s.length)]!;
  const word = () => {
    const n = 2 + Math.floor(r() * 8);
    const abc = r() < 0.7 ? UPPER : LOWER;
    let w = "";
    for (let i = 0; i < n; i++) w += pick(abc);
    return r() < 0.15 ? w[0]!.toUpperCase() + w.slice(1).toLowerCase() : w;
  };
  const num = () => {
    const k = r();
    if (k < 0.4) return `${Math.floor(r() * 1000)}.${String(Math.floor(r() * 100)).padStart(2, "0")}`;
    if (k < 0.55) return `${String(1 + Math.floor(r() * 28)).padStart(2, "0")}/${String(1 + Math.floor(r() * 12)).padStart(2, "0")}/20${10 + Math.floor(r() * 20)}`;
    if (k < 0.7) return `${Math.floor(r() * 24)}:${String(Math.floor(r() * 60)).padStart(2, "0")}`;
    return String(Math.floor(r() * 10 ** (1 + Math.floor(r() * 8))));
  };
  if (r() < 0.15) {
    let s = "";
    const n = 2 + Math.floor(r() * 12);
    for (let i = 0; i < n; i++) s += pick(cjk);
    return s;
  }
  const parts: string[] = [];
  const n = 1 + Math.floor(r() * 6);
  for (let i = 0; i < n; i++) {
    const k = r();
    parts.push(k < 0.6 ? word() : k < 0.9 ? num() : pick(["RM", "TOTAL", "GST", "QTY", "@", "-", ":", "x", "%", "(S)", "#", "*"]));
  }
  return parts.join(r() < 0.8 ? " " : "  ");
}

export type TGray = { data: Uint8Array; widthPx: number; heightPx: number; channels: number };

/** One line rendered dark on light, `heightPx` tall, with random font, size, ink, blur (down/up-scaling). */
export function renderLine(text: string, heightPx: number, r: () => number): TGray {
  const font = FONTS[Math.floor(r() * FONTS.length)]!;
  const size = Math.round(heightPx * (0.5 + r() * 0.3));
  const probe = createCanvas(8, 8).getContext("2d");
  probe.font = `${r() < 0.3 ? "bold " : ""}${size}px "${font}"`;
  const w = Math.max(heightPx, Math.ceil(probe.measureText(text).width + heightPx * (0.2 + r() * 0.4)));
  // Render smaller and scale up sometimes: low-resolution scans.
  const shrink = r() < 0.4 ? 0.35 + r() * 0.4 : 1;
  const cw = Math.max(8, Math.round(w * shrink)), ch = Math.max(8, Math.round(heightPx * shrink));
  const c = createCanvas(cw, ch);
  const g = c.getContext("2d");
  const bg = 200 + Math.floor(r() * 56), ink = Math.floor(r() * 90);
  g.fillStyle = `rgb(${bg},${bg},${bg - Math.floor(r() * 20)})`;
  g.fillRect(0, 0, cw, ch);
  g.fillStyle = `rgb(${ink},${ink},${ink})`;
  g.font = `${probe.font.startsWith("bold") ? "bold " : ""}${Math.round(size * shrink)}px "${font}"`;
  g.textBaseline = "middle";
  g.fillText(text, cw * 0.05 * r() + 2, ch / 2 + (r() - 0.5) * ch * 0.1);
  let src = c;
  if (shrink !== 1) {
    src = createCanvas(w, heightPx);
    const g2 = src.getContext("2d");
    g2.drawImage(c, 0, 0, w, heightPx);
  }
  const img = src.getContext("2d").getImageData(0, 0, src.width, src.height);
  return { data: new Uint8Array(img.data.buffer, img.data.byteOffset, img.data.byteLength), widthPx: src.width, heightPx: src.height, channels: 4 };
}

/** Rec/cls input: one line as a [1, 3, H, W] tensor normalised to [-1, 1]. */
export function lineTensor(img: TGray): ort.Tensor {
  const { widthPx: W, heightPx: H, data } = img;
  const out = new Float32Array(3 * H * W);
  for (let c = 0; c < 3; c++) for (let i = 0; i < H * W; i++) out[c * H * W + i] = data[i * 4 + (2 - c)]! / 127.5 - 1;
  return new ort.Tensor("float32", out, [1, 3, H, W]);
}

/** A page of random lines at random positions, for the detector (DB) calibration. */
export function renderPage(widthPx: number, heightPx: number, r: () => number, cjk: readonly string[]): TGray {
  const c = createCanvas(widthPx, heightPx);
  const g = c.getContext("2d");
  const bg = 215 + Math.floor(r() * 40);
  g.fillStyle = `rgb(${bg},${bg},${bg - 8})`;
  g.fillRect(0, 0, widthPx, heightPx);
  let y = 10;
  while (y < heightPx - 20) {
    const size = 10 + Math.floor(r() * 22);
    const font = FONTS[Math.floor(r() * FONTS.length)]!;
    g.font = `${r() < 0.3 ? "bold " : ""}${size}px "${font}"`;
    const ink = Math.floor(r() * 80);
    g.fillStyle = `rgb(${ink},${ink},${ink})`;
    g.textBaseline = "top";
    g.fillText(randomLine(r, cjk), 5 + r() * widthPx * 0.3, y);
    if (r() < 0.5) g.fillText(randomLine(r, cjk).slice(0, 10), widthPx * (0.6 + r() * 0.2), y);
    y += size * (1.2 + r() * 1.2);
  }
  const img = g.getImageData(0, 0, widthPx, heightPx);
  return { data: new Uint8Array(img.data.buffer, img.data.byteOffset, img.data.byteLength), widthPx, heightPx, channels: 4 };
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
  const convs = parseModel(model).nodes.filter((n) => n.op === "Conv" && !n.domain && ranges[n.inputs[0]!] && ranges[n.outputs[0]!]).map((n) => n.outputs[0]!);
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
