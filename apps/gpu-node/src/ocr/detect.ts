/**
 * Text detection input and run: resize keeping the aspect ratio with both sides multiples of 32
 * (PaddleOCR's DetResizeForTest), normalise, run the DB model and return its probability map.
 */
import type { InferenceSession } from "onnxruntime-node";
import ort from "onnxruntime-node";
import type { TRgbImage } from "./crop.ts";

export function detInputSizePx(
  srcWidthPx: number,
  srcHeightPx: number,
  limitSidePx: number,
  limitType: "max" | "min",
): { widthPx: number; heightPx: number } {
  let ratio = 1;
  if (limitType === "max") {
    const longest = Math.max(srcWidthPx, srcHeightPx);
    if (longest > limitSidePx) ratio = limitSidePx / longest;
  } else {
    const shortest = Math.min(srcWidthPx, srcHeightPx);
    if (shortest < limitSidePx) ratio = limitSidePx / shortest;
  }
  const to32 = (v: number) => Math.max(Math.round((v * ratio) / 32) * 32, 32);
  return { widthPx: to32(srcWidthPx), heightPx: to32(srcHeightPx) };
}

/**
 * NCHW float tensor: channel i holds source channel `order[i]`, as (x/255 - mean[i]) / std[i].
 * PaddleOCR feeds BGR images and applies mean/std in that order, so order is [2,1,0].
 */
export function packDetTensor(
  img: TRgbImage,
  order: readonly [number, number, number],
  mean: readonly [number, number, number],
  std: readonly [number, number, number],
): Float32Array {
  const { data, widthPx: w, heightPx: h, channels: c } = img;
  const plane = w * h;
  const out = new Float32Array(3 * plane);
  for (let ch = 0; ch < 3; ch++) {
    const src = order[ch]!;
    const scale = 1 / (255 * std[ch]!);
    const bias = -mean[ch]! / std[ch]!;
    const base = ch * plane;
    for (let i = 0, j = src; i < plane; i++, j += c) out[base + i] = data[j]! * scale + bias;
  }
  return out;
}

/** Run the detector on a packed tensor; returns the text probability map (heightPx × widthPx). */
export async function runDetector(
  session: InferenceSession,
  tensorData: Float32Array,
  widthPx: number,
  heightPx: number,
): Promise<Float32Array> {
  const input = new ort.Tensor("float32", tensorData, [1, 3, heightPx, widthPx]);
  const out = await session.run({ [session.inputNames[0]!]: input });
  return out[session.outputNames[0]!]!.data as Float32Array;
}
