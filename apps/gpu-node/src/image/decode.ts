/**
 * Image decoding with sharp: apply EXIF orientation, flatten alpha onto white, convert CMYK, grey and
 * 16-bit images to 8-bit sRGB. Multi-frame files (multi-page TIFF, animated GIF/WebP) decode one
 * frame at a time: `countFrames`, then `decodeImage(input, max, frame)`.
 */
import sharp from "sharp";
import { OcrInputError } from "./input-error.ts";
import type { TRgbImage } from "./rgb-image.ts";

export async function decodeImage(input: Buffer, maxInputPixels: number, frame = 0): Promise<TRgbImage> {
  if (input.length === 0) throw new OcrInputError("empty image: zero bytes");
  try {
    const { data, info } = await sharp(input, { limitInputPixels: maxInputPixels, failOn: "error", pages: 1, page: frame })
      .rotate()
      .flatten({ background: { r: 255, g: 255, b: 255 } })
      .toColourspace("srgb")
      .removeAlpha()
      .raw({ depth: "uchar" })
      .toBuffer({ resolveWithObject: true });
    if (info.width <= 0 || info.height <= 0) throw new OcrInputError("zero-size image");
    if (info.channels !== 3) throw new OcrInputError(`unexpected channel count after decoding: ${info.channels}`);
    return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), widthPx: info.width, heightPx: info.height, channels: 3 };
  } catch (err) {
    if (err instanceof OcrInputError) throw err;
    throw new OcrInputError(`cannot decode image: ${(err as Error).message}`, { cause: err });
  }
}

/** How many frames (pages) an image file holds: 1 for most, more for multi-page TIFF and animations. */
export async function countFrames(input: Buffer): Promise<number> {
  if (input.length === 0) throw new OcrInputError("empty image: zero bytes");
  try {
    const meta = await sharp(input, { limitInputPixels: false }).metadata();
    return Math.max(1, meta.pages ?? 1);
  } catch (err) {
    throw new OcrInputError(`cannot decode image: ${(err as Error).message}`, { cause: err });
  }
}

/** Packed RGBA (a rendered PDF page) to packed RGB, alpha flattened onto white. */
export async function rgbFromRgba(rgba: Uint8Array, widthPx: number, heightPx: number): Promise<TRgbImage> {
  const data = await sharp(rgba, { raw: { width: widthPx, height: heightPx, channels: 4 } })
    .flatten({ background: { r: 255, g: 255, b: 255 } })
    .removeAlpha()
    .raw()
    .toBuffer();
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), widthPx, heightPx, channels: 3 };
}

/** Resize packed RGB pixels to exactly `widthPx × heightPx` (aspect ratio already chosen by the caller). */
export async function resizeRgb(img: TRgbImage, widthPx: number, heightPx: number): Promise<TRgbImage> {
  if (img.widthPx === widthPx && img.heightPx === heightPx) return img;
  const data = await sharp(img.data, { raw: { width: img.widthPx, height: img.heightPx, channels: 3 } })
    .resize(widthPx, heightPx, { fit: "fill", kernel: "linear" })
    .raw()
    .toBuffer();
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), widthPx, heightPx, channels: 3 };
}
