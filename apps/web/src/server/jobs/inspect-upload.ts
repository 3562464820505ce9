// Checks one uploaded file before anything is stored: its real type by magic bytes (never the
// client's name or Content-Type), its size, and for images a full decode under a pixel limit so a
// truncated or hostile image is refused here rather than failing later on a GPU node.
import { AppError } from "@headroom/protocol";
import { fileTypeFromBuffer } from "file-type";
import sharp, { type Metadata } from "sharp";

export const ACCEPTED_TYPES = ["image/jpeg", "image/png", "image/webp", "image/tiff", "image/gif", "image/bmp"] as const;

export type TUploadLimits = { maxBytes: number; maxPixels: number };
export type TInspectedUpload = { mimeType: string; widthPx: number; heightPx: number; pages: number };

export async function inspectUpload(name: string, bytes: Buffer, limits: TUploadLimits): Promise<TInspectedUpload> {
  if (bytes.length === 0) throw new AppError("EMPTY_FILE", `${name}: the file is empty`);
  if (bytes.length > limits.maxBytes) {
    throw new AppError("FILE_TOO_LARGE", `${name}: ${bytes.length} bytes is over the limit of ${limits.maxBytes} bytes`);
  }
  const type = await fileTypeFromBuffer(bytes);
  if (!type || !(ACCEPTED_TYPES as readonly string[]).includes(type.mime)) {
    throw new AppError("UNSUPPORTED_MEDIA_TYPE", `${name}: not a supported image (${type?.mime ?? "unknown content"}); send JPEG, PNG, WebP, TIFF, GIF or BMP`);
  }
  return { mimeType: type.mime, ...(await decodeCheck(name, bytes, limits.maxPixels)) };
}

async function decodeCheck(name: string, bytes: Buffer, maxPixels: number): Promise<Omit<TInspectedUpload, "mimeType">> {
  const opts = { limitInputPixels: maxPixels, failOn: "truncated" as const, pages: 1 };
  let meta: Metadata;
  try {
    // The header alone, without the pixel limit, so that an oversized image gets its own answer.
    meta = await sharp(bytes, { ...opts, limitInputPixels: false }).metadata();
  } catch (err) {
    throw new AppError("INVALID_INPUT", `${name}: the image cannot be read (${reason(err)})`);
  }
  const widthPx = meta.autoOrient?.width ?? meta.width ?? 0;
  const heightPx = meta.autoOrient?.height ?? meta.height ?? 0;
  if (widthPx === 0 || heightPx === 0) throw new AppError("INVALID_INPUT", `${name}: the image has no pixels`);
  if (widthPx * heightPx > maxPixels) {
    throw new AppError("TOO_MANY_PIXELS", `${name}: ${widthPx}×${heightPx} is over the limit of ${maxPixels} pixels`);
  }
  try {
    // A full decode finds truncation that the header alone does not show; the output is discarded.
    await sharp(bytes, opts).resize(8, 8, { fit: "fill" }).raw().toBuffer();
  } catch (err) {
    throw new AppError("INVALID_INPUT", `${name}: the image is damaged or truncated (${reason(err)})`);
  }
  return { widthPx, heightPx, pages: meta.pages ?? 1 };
}

function reason(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.split("\n")[0]!.slice(0, 160);
}
