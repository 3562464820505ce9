/**
 * Text recognition: lines sorted by aspect ratio and batched, so each batch pads little; each crop is
 * sampled at the model height with its width by ratio, the batch padded (zeros after normalisation,
 * as PaddleOCR) to its widest member or `minWidthPx`, run through the CRNN/SVTR model and CTC-decoded.
 */
import type { InferenceSession } from "onnxruntime-node";
import ort from "onnxruntime-node";
import { sampleQuad, type TRgbImage } from "./crop.ts";
import { ctcGreedyDecode, halfWidthOnLatinLine, rowIsDistribution, type TDecodedText } from "./ctc.ts";
import { SYMMETRIC_NORM, type TTextLine } from "./line.ts";

export type TRecOptions = { inputHeightPx: number; minWidthPx: number; batchSize: number; batchColumnsPx: number };

/**
 * Split indices (already sorted by width) into batches of at most `maxLines` lines and at most
 * `maxColumnsPx` padded columns; a line wider than the budget gets a batch of its own.
 */
export function planBatches(sortedWidthsPx: readonly number[], minWidthPx: number, maxLines: number, maxColumnsPx: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let start = 0;
  for (let i = 0; i < sortedWidthsPx.length; i++) {
    const n = i - start + 1;
    const padded = Math.max(minWidthPx, sortedWidthsPx[i]!);
    if (n > 1 && (n > maxLines || n * padded > maxColumnsPx)) {
      out.push([start, i]);
      start = i;
    }
  }
  if (start < sortedWidthsPx.length) out.push([start, sortedWidthsPx.length]);
  return out;
}

export async function recognizeLines(
  session: InferenceSession,
  img: TRgbImage,
  lines: readonly TTextLine[],
  charset: readonly string[],
  opts: TRecOptions,
  channelOrder: readonly [number, number, number],
  signal?: AbortSignal,
): Promise<{ texts: TDecodedText[]; cropMs: number; runMs: number; decodeMs: number }> {
  const H = opts.inputHeightPx;
  const texts: TDecodedText[] = new Array(lines.length);
  const order = lines.map((_, i) => i).sort((a, b) => lines[a]!.aspect - lines[b]!.aspect);
  const allWidths = order.map((i) => Math.max(1, Math.ceil(H * lines[i]!.aspect)));
  let cropMs = 0, runMs = 0, decodeMs = 0;
  for (const [from, to] of planBatches(allWidths, opts.minWidthPx, opts.batchSize, opts.batchColumnsPx)) {
    signal?.throwIfAborted();
    const idx = order.slice(from, to);
    const t0 = performance.now();
    const widths = allWidths.slice(from, to);
    const W = Math.max(opts.minWidthPx, ...widths);
    const data = new Float32Array(idx.length * 3 * H * W);
    idx.forEach((li, b) => {
      sampleQuad(img, lines[li]!.quad, {
        tensor: data, offset: b * 3 * H * W, tensorWidth: W, tensorHeight: H,
        outWidthPx: widths[b]!, channelOrder, ...SYMMETRIC_NORM,
      });
    });
    const t1 = performance.now();
    const out = await session.run({ [session.inputNames[0]!]: new ort.Tensor("float32", data, [idx.length, 3, H, W]) });
    const t2 = performance.now();
    const probs = out[session.outputNames[0]!]!;
    const [, steps, classes] = probs.dims as [number, number, number];
    const pd = probs.data as Float32Array;
    const isDistribution = rowIsDistribution(pd, 0, classes);
    idx.forEach((li, b) => {
      const d = ctcGreedyDecode(pd, b * steps * classes, steps, classes, charset, isDistribution);
      texts[li] = { ...d, text: halfWidthOnLatinLine(d.text) };
    });
    cropMs += t1 - t0;
    runMs += t2 - t1;
    decodeMs += performance.now() - t2;
  }
  return { texts, cropMs, runMs, decodeMs };
}
