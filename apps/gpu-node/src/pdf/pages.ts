/**
 * One input file as a sequence of page images, decoded one at a time: a PDF's pages rasterised, a
 * multi-frame image's frames, or a single image as page 1. The same page cap applies to all.
 */
import { countFrames, decodeImage, rgbFromRgba } from "../image/decode.ts";
import { OcrInputError } from "../image/input-error.ts";
import type { TRgbImage } from "../image/rgb-image.ts";
import { isPdf, rasterizePdf } from "./rasterize.ts";

export type TInputPage = { page: number; img: TRgbImage };
export type TDecodePagesOptions = {
  /** A decoded image (or rendered PDF page) may have at most this many pixels. */
  maxInputPixels: number;
  /** PDF rendering resolution. */
  dpi: number;
  /** More pages (or frames) than this is bad input. */
  maxPages: number;
  signal?: AbortSignal;
};

export async function* decodePages(input: Buffer, o: TDecodePagesOptions): AsyncGenerator<TInputPage> {
  if (isPdf(input)) {
    for await (const r of rasterizePdf(input, { dpi: o.dpi, maxPages: o.maxPages, maxPixels: o.maxInputPixels, signal: o.signal })) {
      yield { page: r.page, img: await rgbFromRgba(r.rgba, r.widthPx, r.heightPx) };
    }
    return;
  }
  const frames = await countFrames(input);
  if (frames > o.maxPages) throw new OcrInputError(`the image has ${frames} frames (pages), over the limit of ${o.maxPages}`);
  for (let f = 0; f < frames; f++) {
    o.signal?.throwIfAborted();
    yield { page: f + 1, img: await decodeImage(input, o.maxInputPixels, f) };
  }
}
