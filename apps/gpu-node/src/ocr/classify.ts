/**
 * Text-line orientation (0° vs 180°) with PaddleOCR's mobile angle classifier: each crop is resized to
 * the classifier's height, padded to its width, and flipped when the "180" class wins above threshold.
 */
import type { InferenceSession } from "onnxruntime-node";
import ort from "onnxruntime-node";
import { rotateQuad180, sampleQuad, type TRgbImage } from "./crop.ts";
import type { TTextLine } from "./line.ts";
import { SYMMETRIC_NORM } from "./line.ts";

export type TClsOptions = { inputHeightPx: number; inputWidthPx: number; threshold: number; batchSize: number };

/** Flips lines in place that the classifier calls upside down; returns crop and run times in ms. */
export async function classifyOrientation(
  session: InferenceSession,
  img: TRgbImage,
  lines: TTextLine[],
  opts: TClsOptions,
  channelOrder: readonly [number, number, number],
): Promise<{ cropMs: number; runMs: number }> {
  const H = opts.inputHeightPx;
  const W = opts.inputWidthPx;
  let cropMs = 0, runMs = 0;
  for (let start = 0; start < lines.length; start += opts.batchSize) {
    const batch = lines.slice(start, start + opts.batchSize);
    const t0 = performance.now();
    const data = new Float32Array(batch.length * 3 * H * W);
    batch.forEach((line, i) => {
      const outWidthPx = Math.max(1, Math.min(W, Math.ceil(H * line.aspect)));
      sampleQuad(img, line.quad, { tensor: data, offset: i * 3 * H * W, tensorWidth: W, tensorHeight: H, outWidthPx, channelOrder, ...SYMMETRIC_NORM });
    });
    const t1 = performance.now();
    const out = await session.run({ [session.inputNames[0]!]: new ort.Tensor("float32", data, [batch.length, 3, H, W]) });
    const probs = out[session.outputNames[0]!]!.data as Float32Array;
    batch.forEach((line, i) => {
      const p180 = probs[i * 2 + 1]!;
      if (p180 > probs[i * 2]! && p180 > opts.threshold) {
        line.quad = rotateQuad180(line.quad);
        line.flipped = true;
      }
    });
    cropMs += t1 - t0;
    runMs += performance.now() - t1;
  }
  return { cropMs, runMs };
}
