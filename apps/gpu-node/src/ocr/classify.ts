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

/**
 * Flips lines in place that the classifier calls upside down; returns crop and run times in ms.
 *
 * With `probe` (the switches' clsProbe, on unless HEADROOM_OCR_CLS_PROBE=0), horizontal lines are
 * classified widest first, one batch at a time, and classification stops after a batch in which every
 * line was confidently upright (the "0" class above `threshold`): on an upright page the rest are
 * upright too. A page turned 180° shows in the first batch, and lines turned 90° at cropping (taller
 * than wide) are always classified.
 */
export async function classifyOrientation(
  session: InferenceSession,
  img: TRgbImage,
  lines: TTextLine[],
  opts: TClsOptions,
  channelOrder: readonly [number, number, number],
  probe: boolean,
): Promise<{ cropMs: number; runMs: number; classified: number }> {
  const H = opts.inputHeightPx;
  const W = opts.inputWidthPx;
  let cropMs = 0, runMs = 0, classified = 0;
  const turned = lines.filter((l) => l.turned);
  const flat = lines.filter((l) => !l.turned).sort((a, b) => b.aspect - a.aspect);
  const queue = probe ? [...turned, ...flat] : lines;
  for (let start = 0; start < queue.length; start += opts.batchSize) {
    const batch = queue.slice(start, start + opts.batchSize);
    const t0 = performance.now();
    const data = new Float32Array(batch.length * 3 * H * W);
    batch.forEach((line, i) => {
      const outWidthPx = Math.max(1, Math.min(W, Math.ceil(H * line.aspect)));
      sampleQuad(img, line.quad, { tensor: data, offset: i * 3 * H * W, tensorWidth: W, tensorHeight: H, outWidthPx, channelOrder, ...SYMMETRIC_NORM });
    });
    const t1 = performance.now();
    const out = await session.run({ [session.inputNames[0]!]: new ort.Tensor("float32", data, [batch.length, 3, H, W]) });
    const probs = out[session.outputNames[0]!]!.data as Float32Array;
    let allUpright = true;
    batch.forEach((line, i) => {
      const p0 = probs[i * 2]!, p180 = probs[i * 2 + 1]!;
      if (p180 > p0 && p180 > opts.threshold) {
        line.quad = rotateQuad180(line.quad);
        line.flipped = true;
      }
      if (line.turned || !(p0 > opts.threshold)) allUpright = false;
    });
    classified += batch.length;
    cropMs += t1 - t0;
    runMs += performance.now() - t1;
    if (probe && allUpright && start + batch.length >= turned.length) break;
  }
  return { cropMs, runMs, classified };
}
