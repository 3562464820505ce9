// Checks one uploaded file before anything is stored: its real type by magic bytes (never the
// client's name or Content-Type), its size, for images a full decode under a pixel limit (or, with
// imageCheck "header", the header and the bomb scans only, the decode left to the node), and for
// PDFs that pdf.js can open them (not encrypted, not damaged, not empty) and their page count, so a
// truncated or hostile file is refused here rather than failing later on a GPU node. Before any
// decoder runs, PNGs and PDFs are walked for compression bombs (png-scan.ts, pdf-scan.ts), and the
// whole check runs under a time limit. docs/security.md "Bad input" lists what is refused and why.
import { AppError } from "@headroom/protocol";
import { fileTypeFromBuffer } from "file-type";
import sharp, { type Metadata } from "sharp";
import { checkPdfStructure } from "./pdf-scan";
import { openPdf, preloadPdfjs, type TPdfDocument } from "./pdfjs";
import { checkPngChunks, checkPngImageData } from "./png-scan";

// BMP is not here: sharp's libvips has no BMP loader (here or on the nodes), so a BMP could only
// ever fail as "cannot be read"; it is refused by its type instead, with the list of what works.
export const ACCEPTED_TYPES = ["image/jpeg", "image/png", "image/webp", "image/tiff", "image/gif", "application/pdf"] as const;

/** The node renders PDF pages at this resolution by default (gpu-node's DEFAULT_PDF_DPI). */
export const PDF_DPI = 150;
export const DEFAULT_MAX_PAGES = 50;

export const DEFAULT_DECODE_TIMEOUT_MS = 10_000;

/**
 * maxPages: the most pages a PDF (or frames a multi-frame image) may have; HEADROOM_MAX_PAGES.
 * decodeTimeoutMs: the most time the check of one file may take; HEADROOM_DECODE_TIMEOUT_MS.
 * maxStreamBytes: the most one compressed PDF stream may inflate to (default: a page image at the
 * pixel limit, 4 bytes a pixel).
 * imageCheck: "decode" (the default) decodes every image whole, so a damaged one is a 400 here;
 * "header" stops after its header and the bomb scans and leaves the pixels to the node, which fails
 * a damaged file as a job with INVALID_INPUT (HEADROOM_UPLOAD_CHECK): the decode is most of what an
 * upload costs the control plane (bench/inspect-cost.ts). PDFs are opened either way, for their pages.
 */
export type TUploadLimits = { maxBytes: number; maxPixels: number; maxPages?: number; decodeTimeoutMs?: number; maxStreamBytes?: number; imageCheck?: "decode" | "header" };
/**
 * For a PDF, widthPx × heightPx is its largest page as the node will rasterise it (at PDF_DPI,
 * within maxPixels): pages render one at a time, so the largest one sets the memory a job needs.
 */
export type TInspectedUpload = { mimeType: string; widthPx: number; heightPx: number; pages: number };

export async function inspectUpload(name: string, bytes: Buffer, limits: TUploadLimits): Promise<TInspectedUpload> {
  if (bytes.length === 0) throw new AppError("EMPTY_FILE", `${name}: the file is empty`);
  if (bytes.length > limits.maxBytes) {
    throw new AppError("FILE_TOO_LARGE", `${name}: ${bytes.length} bytes is over the limit of ${limits.maxBytes} bytes`);
  }
  const type = await fileTypeFromBuffer(bytes);
  if (!type || !(ACCEPTED_TYPES as readonly string[]).includes(type.mime)) {
    throw new AppError("UNSUPPORTED_MEDIA_TYPE", `${name}: not a supported image or PDF (${type?.mime ?? "unknown content"}); send JPEG, PNG, WebP, TIFF, GIF or PDF`);
  }
  if (hasZipDirectory(bytes)) {
    throw new AppError("UNSUPPORTED_MEDIA_TYPE", `${name}: the file is a ${type.mime} and a ZIP archive at once; send the ${type.mime} alone`);
  }
  const maxPages = limits.maxPages ?? DEFAULT_MAX_PAGES;
  const timeoutMs = limits.decodeTimeoutMs ?? DEFAULT_DECODE_TIMEOUT_MS;
  // Loading pdf.js is the server's cost, not the file's: it stays outside the time limit.
  if (type.mime === "application/pdf") await preloadPdfjs();
  const inspected = await withinTime(name, timeoutMs, (signal) =>
    type.mime === "application/pdf"
      ? pdfCheck(name, bytes, { maxPixels: limits.maxPixels, maxPages, maxStreamBytes: limits.maxStreamBytes ?? 4 * limits.maxPixels }, signal)
      : decodeCheck(name, bytes, limits.maxPixels, timeoutMs, limits.imageCheck !== "header"),
  );
  if (inspected.pages > maxPages) {
    const what = type.mime === "application/pdf" ? "pages" : "frames (pages)";
    throw new AppError("TOO_MANY_PAGES", `${name}: ${inspected.pages} ${what} is over the limit of ${maxPages}`);
  }
  return { mimeType: type.mime, ...inspected };
}

/**
 * Runs the check with a deadline: a valid file that takes too long to decode (a huge, highly
 * compressed image; a page tree that takes long to walk) is refused rather than tying up the server.
 * The check is told through `signal` to stop, and sharp's own timeout stops libvips.
 */
async function withinTime<T>(name: string, timeoutMs: number, check: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const ac = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      ac.abort();
      reject(new AppError("DECODE_TIMEOUT", `${name}: checking the file took longer than the limit of ${timeoutMs} ms`));
    }, timeoutMs);
  });
  const work = check(ac.signal);
  work.catch(() => {}); // once late, its own failure is not news
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A ZIP archive's end record within the last 64 KiB (where unzip tools look for it) and a local file
 * header: the file opens as an archive too (a polyglot), and a download of it could be unpacked.
 */
function hasZipDirectory(bytes: Buffer): boolean {
  const tail = bytes.subarray(Math.max(0, bytes.length - 65_557));
  return tail.includes(Buffer.from([0x50, 0x4b, 0x05, 0x06])) && bytes.includes(Buffer.from([0x50, 0x4b, 0x03, 0x04]));
}

async function decodeCheck(name: string, bytes: Buffer, maxPixels: number, timeoutMs: number, decode: boolean): Promise<Omit<TInspectedUpload, "mimeType">> {
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
  if (meta.format === "png") {
    checkPngImageData(name, bytes);
    await checkPngChunks(name, bytes);
  }
  const inspected = { widthPx, heightPx, pages: meta.pages ?? 1 };
  if (!decode) return inspected;
  try {
    // A full decode finds truncation that the header alone does not show; the output is discarded.
    // A PNG decodes in order, row after row, so asking for its last row alone makes libvips inflate
    // and unfilter every row before it (truncation or damage anywhere still fails) without shrinking
    // the whole image: a fifth of the resize's CPU on an A4 scan (bench/inspect-cost.ts). Formats
    // that can be read out of order (TIFF strips and tiles) keep the resize, which reads every pixel.
    // sharp's timeout (whole seconds) stops libvips itself once withinTime has given up on it.
    const img = sharp(bytes, opts);
    const sink = meta.format === "png" && meta.height ? img.extract({ left: 0, top: meta.height - 1, width: 1, height: 1 }) : img.resize(8, 8, { fit: "fill" });
    await sink.timeout({ seconds: Math.ceil(timeoutMs / 1000) }).raw().toBuffer();
  } catch (err) {
    throw new AppError("INVALID_INPUT", `${name}: the image is damaged or truncated (${reason(err)})`);
  }
  return inspected;
}

/** Open the PDF (no rendering): its page count and largest page in pixels at PDF_DPI, within maxPixels. */
async function pdfCheck(name: string, bytes: Buffer, limits: { maxPixels: number; maxPages: number; maxStreamBytes: number }, signal: AbortSignal): Promise<Omit<TInspectedUpload, "mimeType">> {
  const { maxPixels, maxPages } = limits;
  await checkPdfStructure(name, bytes, limits);
  let doc: TPdfDocument;
  try {
    doc = await openPdf(bytes);
  } catch (err) {
    if ((err as { name?: string }).name === "PasswordException") {
      throw new AppError("ENCRYPTED_PDF", `${name}: the PDF is encrypted and needs a password; send an unencrypted copy`);
    }
    throw new AppError("INVALID_INPUT", `${name}: the PDF is damaged or truncated (${reason(err)})`);
  }
  try {
    const pages = doc.numPages;
    if (pages < 1) throw new AppError("INVALID_INPUT", `${name}: the PDF has no pages`);
    if (pages > maxPages) return { pages, widthPx: 0, heightPx: 0 }; // refused by the caller; sizes not needed
    let widthPx = 0;
    let heightPx = 0;
    for (let n = 1; n <= pages && !signal.aborted; n++) {
      let vp: { width: number; height: number };
      try {
        const page = await doc.getPage(n);
        vp = page.getViewport({ scale: PDF_DPI / 72 });
        page.cleanup();
      } catch (err) {
        throw new AppError("INVALID_INPUT", `${name}: page ${n} of the PDF cannot be read (${reason(err)})`);
      }
      // The node scales a page over maxPixels down to fit, keeping its aspect ratio.
      const fit = Math.min(1, Math.sqrt(maxPixels / (vp.width * vp.height)));
      const w = Math.max(1, Math.floor(vp.width * fit));
      const h = Math.max(1, Math.floor(vp.height * fit));
      if (w * h > widthPx * heightPx) [widthPx, heightPx] = [w, h];
    }
    return { pages, widthPx, heightPx };
  } finally {
    await doc.destroy();
  }
}

function reason(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.split("\n")[0]!.slice(0, 160);
}
