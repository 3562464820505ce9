/**
 * Text recognition of one page's lines: each crop is sampled at the model height with its width by
 * ratio, padded (zeros after normalisation, as PaddleOCR) to its own width bucket (rec-buckets.ts),
 * cropped on the pool's workers (crop-pool.ts) and queued for the engine's shared batcher
 * (rec-batcher.ts), which CTC-decodes it.
 */
import type { CropPool, TSharedImage } from "./crop-pool.ts";
import type { TDecodedText } from "./ctc.ts";
import { SYMMETRIC_NORM, type TTextLine } from "./line.ts";
import type { RecBatcher } from "./rec-batcher.ts";
import { recBucketWidthPx } from "./rec-buckets.ts";

export type TRecOptions = { inputHeightPx: number; minWidthPx: number; batchSize: number; batchColumnsPx: number };

export async function recognizeLines(
  batcher: RecBatcher,
  pool: CropPool,
  img: TSharedImage,
  lines: readonly TTextLine[],
  opts: TRecOptions,
  channelOrder: readonly [number, number, number],
  signal?: AbortSignal,
): Promise<{ texts: TDecodedText[]; cropMs: number; runMs: number; decodeMs: number }> {
  const H = opts.inputHeightPx;
  const items = lines.map((l) => {
    const outWidthPx = Math.max(1, Math.ceil(H * l.aspect));
    return { quad: l.quad, outWidthPx, tensorWidthPx: recBucketWidthPx(outWidthPx, opts.minWidthPx) };
  });
  const t0 = performance.now();
  const tensors = await pool.crop(img, items, { heightPx: H, channelOrder, ...SYMMETRIC_NORM });
  const cropMs = performance.now() - t0;
  signal?.throwIfAborted();
  const { texts, cost } = await batcher.recognize(
    tensors.map((tensor, i) => ({ tensor, widthPx: items[i]!.tensorWidthPx })),
    signal,
  );
  return { texts, cropMs, runMs: cost.runMs, decodeMs: cost.decodeMs };
}
