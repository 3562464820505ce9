/**
 * The bare loop of the ceiling bench: random inputs in the model's normalised range and timed
 * session.run calls, nothing else (no decode, crop, batching or post-processing).
 */
import type { InferenceSession } from "onnxruntime-node";
import ort from "onnxruntime-node";

/** Timed calls are preceded by this many untimed ones (first-run allocation, shader compilation). */
export const WARMUPS = 2;

/**
 * Uniform values in [lo[c], hi[c]) per channel of an N×3×H×W tensor. Never zeros: an all-zero
 * input can take cheaper paths (denormals, sparse activations) than real text does. xorshift32,
 * seeded per call, so each rep set gets fresh values at no real cost.
 */
export function randomNchw(dims: readonly [number, number, number, number], lo: readonly number[], hi: readonly number[], seed: number): Float32Array {
  const [n, c, h, w] = dims;
  const out = new Float32Array(n * c * h * w);
  let x = seed >>> 0 || 0x9e3779b9;
  const plane = h * w;
  for (let i = 0; i < out.length; i++) {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    const ch = Math.floor(i / plane) % c;
    out[i] = lo[ch]! + (x / 2 ** 32) * (hi[ch]! - lo[ch]!);
  }
  return out;
}

/** The detector's range: (x/255 - mean)/std for x in 0..255, per channel. */
export function detRange(mean: readonly number[], std: readonly number[]): { lo: number[]; hi: number[] } {
  return { lo: mean.map((m, i) => -m / std[i]!), hi: mean.map((m, i) => (1 - m) / std[i]!) };
}

/** The recogniser's range: (x/255 - 0.5)/0.5, i.e. [-1, 1] (SYMMETRIC_NORM in src/ocr/line.ts). */
export const REC_RANGE = { lo: [-1, -1, -1], hi: [1, 1, 1] };

export const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length === 0 ? NaN : s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** WARMUPS untimed runs then `reps` timed ones (ms each, input upload and output read-back included, as the agent pays them). */
export async function timeRuns(session: InferenceSession, data: Float32Array, dims: readonly number[], reps: number): Promise<{ ms: number[]; output: Float32Array }> {
  const feeds = { [session.inputNames[0]!]: new ort.Tensor("float32", data, [...dims]) };
  let out = await session.run(feeds);
  for (let i = 1; i < WARMUPS; i++) out = await session.run(feeds);
  const ms: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    out = await session.run(feeds);
    ms.push(performance.now() - t0);
  }
  return { ms, output: out[session.outputNames[0]!]!.data as Float32Array };
}

export type TCeilingRow = {
  variant: string;
  stage: "det" | "rec";
  batch: number;
  heightPx: number;
  widthPx: number;
  /** Every timed call, ms. */
  ms: number[];
  medianMs: number;
  /** Per line (rec) or per image (det). */
  msPerItem: number;
  itemsPerS: number;
  /** rec only: batch × width columns per second. */
  columnsPerS?: number;
  error?: string;
};

export function rowFor(variant: string, stage: "det" | "rec", dims: readonly [number, number, number, number], ms: number[]): TCeilingRow {
  const [batch, , heightPx, widthPx] = dims;
  const m = median(ms);
  return {
    variant, stage, batch, heightPx, widthPx, ms, medianMs: m, msPerItem: m / batch, itemsPerS: (batch * 1000) / m,
    ...(stage === "rec" ? { columnsPerS: (batch * widthPx * 1000) / m } : {}),
  };
}

export const errorRow = (variant: string, stage: "det" | "rec", dims: readonly [number, number, number, number], err: unknown): TCeilingRow => ({
  variant, stage, batch: dims[0], heightPx: dims[2], widthPx: dims[3], ms: [], medianMs: NaN, msPerItem: NaN, itemsPerS: NaN,
  error: err instanceof Error ? err.message.split("\n")[0]! : String(err),
});

/** Largest relative difference between two outputs, against the larger magnitude (graph capture's check). */
export function maxRelDiff(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Infinity;
  let scale = 0, diff = 0;
  for (let i = 0; i < a.length; i++) {
    scale = Math.max(scale, Math.abs(a[i]!), Math.abs(b[i]!));
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
  }
  return scale > 0 ? diff / scale : diff;
}
