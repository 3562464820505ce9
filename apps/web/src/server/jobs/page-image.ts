// A job's page as a bounded WebP for the detail page's preview. The original file stays with the
// agents; signed-in users only ever get this re-encoded rendering, at most PREVIEW_MAX_SIDE_PX a side.
import type { Db } from "@headroom/db";
import { AppError } from "@headroom/protocol";
import sharp from "sharp";
import { renderPdfPage } from "./pdf-preview";
import type { UploadStore } from "./storage";

export const PREVIEW_MAX_SIDE_PX = 1600;

export type TPageImage = { body: Buffer; contentType: string };

/**
 * Frame `page` (1-based) of an image, oriented as the OCR engine decodes it (EXIF rotation applied,
 * apps/gpu-node/src/image/decode.ts), so the result's boxes, in that image's pixels, line up when scaled.
 */
export async function renderImagePage(bytes: Buffer, page: number, maxInputPixels: number): Promise<TPageImage> {
  const body = await sharp(bytes, { page: page - 1, pages: 1, limitInputPixels: maxInputPixels, failOn: "error" })
    .rotate()
    .resize({ width: PREVIEW_MAX_SIDE_PX, height: PREVIEW_MAX_SIDE_PX, fit: "inside", withoutEnlargement: true })
    .webp({ quality: 82 })
    .toBuffer();
  return { body, contentType: "image/webp" };
}

export async function jobPageImage(db: Db, store: UploadStore, id: string, page: number, maxInputPixels: number): Promise<TPageImage> {
  const job = await db.job.findUnique({ where: { id }, select: { storageKey: true, mimeType: true, pages: true, fileExpiredAt: true } });
  if (!job) throw new AppError("NOT_FOUND", `No job ${id}`);
  if (job.fileExpiredAt) throw new AppError("FILE_EXPIRED", `Job ${id}'s file was removed on ${job.fileExpiredAt.toISOString()} by the retention setting`);
  if (!Number.isInteger(page) || page < 1 || page > job.pages) throw new AppError("NOT_FOUND", `Job ${id} has no page ${page} (it has ${job.pages})`);
  const bytes = await store.get(job.storageKey);
  if (job.mimeType === "application/pdf") {
    const png = await renderPdfPage(bytes, page, PREVIEW_MAX_SIDE_PX);
    return { body: await sharp(png).webp({ quality: 82 }).toBuffer(), contentType: "image/webp" };
  }
  return renderImagePage(bytes, page, maxInputPixels);
}
