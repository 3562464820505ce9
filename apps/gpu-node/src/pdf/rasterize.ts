/**
 * PDF pages to pixels with pdf.js (Apache-2.0) drawing onto @napi-rs/canvas (MIT). One page is open
 * and rendered at a time, and its canvas is dropped before the next, so memory stays bounded by the
 * largest page rather than the page count.
 *
 * pdf.js runs in this thread: its "worker" module is imported here and registered as
 * `globalThis.pdfjsWorker`, which pdf.js uses in place of a worker thread. Nothing is fetched from the
 * network: fonts that the PDF does not embed come from the package's own `standard_fonts/` directory
 * (so their text still renders), CMaps from `cmaps/`, image decoders from `wasm/`, all read from disk.
 */
import { createRequire } from "node:module";
import path from "node:path";
import { createCanvas } from "@napi-rs/canvas";
import { OcrInputError } from "../image/input-error.ts";

export const DEFAULT_PDF_DPI = 150;
export const DEFAULT_MAX_PAGES = 50;
/** PDF user space is 72 units per inch. */
const POINTS_PER_INCH = 72;
/** Skia's largest canvas side; a page is scaled down to fit it. */
const MAX_SIDE_PX = 16_384;

export type TRasterizeOptions = {
  /** Rendering resolution in dots per inch (default 150). */
  dpi?: number;
  /** More pages than this is bad input (default 50). */
  maxPages?: number;
  /** A page whose raster would exceed this many pixels is rendered at a lower DPI to fit. */
  maxPixels?: number;
  signal?: AbortSignal;
};

export type TPdfPageRaster = {
  /** 1-based page number. */
  page: number;
  pageCount: number;
  widthPx: number;
  heightPx: number;
  /** The DPI actually used (lower than asked when the page had to fit maxPixels). */
  dpi: number;
  /** Packed RGBA, widthPx × heightPx × 4, on an opaque white background. */
  rgba: Uint8Array;
};

type TPdfjs = typeof import("pdfjs-dist/legacy/build/pdf.mjs");
type TPdfDocument = Awaited<ReturnType<TPdfjs["getDocument"]>["promise"]>;
type TPdfPage = Awaited<ReturnType<TPdfDocument["getPage"]>>;
type TRenderParams = Parameters<TPdfPage["render"]>[0];

/**
 * Does the file start with the PDF signature `%PDF-` (after optional whitespace or a byte-order mark)?
 * The control plane sniffs types the same way, so anything it accepted as a PDF is one here.
 */
export function isPdf(bytes: Uint8Array): boolean {
  let i = 0;
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) i = 3;
  while (i < bytes.length && i < 64 && (bytes[i] === 0x20 || bytes[i] === 0x09 || bytes[i] === 0x0a || bytes[i] === 0x0d)) i++;
  return Buffer.from(bytes.buffer, bytes.byteOffset + i, Math.min(5, bytes.length - i)).toString("latin1") === "%PDF-";
}

let loaded: Promise<{ pdfjs: TPdfjs; assets: { standardFontDataUrl: string; cMapUrl: string; wasmUrl: string } }> | null = null;

function loadPdfjs() {
  loaded ??= (async () => {
    const worker = await import("pdfjs-dist/legacy/build/pdf.worker.mjs");
    (globalThis as { pdfjsWorker?: unknown }).pdfjsWorker ??= worker;
    const pdfjs = await import("pdfjs-dist/legacy/build/pdf.mjs");
    const root = path.dirname(createRequire(import.meta.url).resolve("pdfjs-dist/package.json"));
    // Directory "URLs" with a trailing slash; in Node pdf.js reads them with fs.
    const dir = (name: string) => path.join(root, name) + path.sep;
    return { pdfjs, assets: { standardFontDataUrl: dir("standard_fonts"), cMapUrl: dir("cmaps"), wasmUrl: dir("wasm") } };
  })();
  return loaded;
}

/**
 * Open a PDF for reading: bad input (not a PDF, damaged, encrypted with a password, no pages)
 * throws OcrInputError. The caller must `destroy()` the document.
 */
export async function openPdf(bytes: Uint8Array): Promise<TPdfDocument> {
  const { pdfjs, assets } = await loadPdfjs();
  const task = pdfjs.getDocument({
    // A copy: pdf.js may take ownership of (detach) the buffer it is given.
    data: new Uint8Array(bytes),
    ...assets,
    cMapPacked: true,
    useWorkerFetch: false,
    useSystemFonts: false,
    disableFontFace: true,
    isEvalSupported: false,
    enableXfa: false,
    verbosity: pdfjs.VerbosityLevel.ERRORS,
  });
  let doc: TPdfDocument;
  try {
    doc = await task.promise;
  } catch (err) {
    await task.destroy().catch(() => {});
    throw new OcrInputError(describeLoadError(err), { cause: err });
  }
  if (doc.numPages < 1) {
    await doc.destroy();
    throw new OcrInputError("the PDF has no pages");
  }
  return doc;
}

/** The page count of a PDF, without rendering anything. */
export async function countPdfPages(bytes: Uint8Array): Promise<number> {
  const doc = await openPdf(bytes);
  try {
    return doc.numPages;
  } finally {
    await doc.destroy();
  }
}

function describeLoadError(err: unknown): string {
  const e = err as { name?: string; code?: number; message?: string };
  if (e?.name === "PasswordException") {
    // code 1: a password is needed; 2: the one given was wrong (we never give one).
    return "the PDF is encrypted and needs a password; send an unencrypted copy";
  }
  if (e?.name === "InvalidPDFException") return `the PDF is damaged or not a PDF (${firstLine(e.message)})`;
  return `the PDF cannot be read (${firstLine(e?.message ?? String(err))})`;
}

const firstLine = (s: string | undefined) => (s ?? "").split("\n")[0]!.slice(0, 160);

/** Pixel size of a page at `dpi`, scaled down (keeping the aspect ratio) to fit maxPixels and the canvas limit. */
export function rasterSize(widthPt: number, heightPt: number, dpi: number, maxPixels = Number.POSITIVE_INFINITY): { widthPx: number; heightPx: number; dpi: number } {
  let scale = dpi / POINTS_PER_INCH;
  const w = widthPt * scale;
  const h = heightPt * scale;
  const fit = Math.min(1, Math.sqrt(maxPixels / (w * h)), MAX_SIDE_PX / w, MAX_SIDE_PX / h);
  scale *= fit;
  // Flooring after the fit keeps the product under maxPixels; never below one pixel.
  const widthPx = Math.max(1, Math.floor(widthPt * scale));
  const heightPx = Math.max(1, Math.floor(heightPt * scale));
  return { widthPx, heightPx, dpi: scale * POINTS_PER_INCH };
}

/**
 * Render a PDF's pages in order, one at a time, each as RGBA on white. A PDF that cannot be opened, or
 * has more than maxPages pages, throws OcrInputError before any page is rendered. Breaking out of the
 * loop early releases the document.
 */
export async function* rasterizePdf(bytes: Uint8Array, opts: TRasterizeOptions = {}): AsyncGenerator<TPdfPageRaster> {
  const dpi = opts.dpi ?? DEFAULT_PDF_DPI;
  const maxPages = opts.maxPages ?? DEFAULT_MAX_PAGES;
  if (!(dpi > 0)) throw new RangeError(`dpi must be positive, got ${dpi}`);
  opts.signal?.throwIfAborted();
  const doc = await openPdf(bytes);
  try {
    const pageCount = doc.numPages;
    if (pageCount > maxPages) throw new OcrInputError(`the PDF has ${pageCount} pages, over the limit of ${maxPages}`);
    for (let n = 1; n <= pageCount; n++) {
      opts.signal?.throwIfAborted();
      yield await renderPage(doc, n, pageCount, dpi, opts.maxPixels);
    }
  } finally {
    await doc.destroy();
  }
}

async function renderPage(doc: TPdfDocument, n: number, pageCount: number, dpi: number, maxPixels: number | undefined): Promise<TPdfPageRaster> {
  let page: TPdfPage;
  try {
    page = await doc.getPage(n);
  } catch (err) {
    throw new OcrInputError(`page ${n} of the PDF cannot be read (${firstLine((err as Error).message)})`, { cause: err });
  }
  try {
    // The page's own rotation (/Rotate) is applied by the viewport.
    const unit = page.getViewport({ scale: 1 });
    const size = rasterSize(unit.width, unit.height, dpi, maxPixels);
    const viewport = page.getViewport({ scale: size.widthPx / unit.width });
    const canvas = createCanvas(size.widthPx, size.heightPx);
    const ctx = canvas.getContext("2d");
    ctx.fillStyle = "#ffffff";
    ctx.fillRect(0, 0, size.widthPx, size.heightPx);
    try {
      await page.render({
        canvas: canvas as unknown as TRenderParams["canvas"],
        canvasContext: ctx as unknown as TRenderParams["canvasContext"],
        viewport,
        background: "#ffffff",
      }).promise;
    } catch (err) {
      if (/out of memory|allocat/i.test((err as Error).message)) throw err;
      throw new OcrInputError(`page ${n} of the PDF cannot be rendered (${firstLine((err as Error).message)})`, { cause: err });
    }
    const img = ctx.getImageData(0, 0, size.widthPx, size.heightPx);
    const rgba = new Uint8Array(img.data.buffer, img.data.byteOffset, img.data.byteLength);
    return { page: n, pageCount, widthPx: size.widthPx, heightPx: size.heightPx, dpi: size.dpi, rgba };
  } finally {
    // Drops the page's parsed resources (fonts, images) before the next page.
    page.cleanup();
  }
}
