// One PDF page as an image for the job detail preview. The agents rasterise PDFs for OCR
// (apps/gpu-node/src/pdf); this renders a single page on demand, bounded in size, so the browser
// can draw the recognised boxes over it (they are in page pixels, so any scale of the page fits).
import { existsSync } from "node:fs";
import path from "node:path";
import { createCanvas } from "@napi-rs/canvas";
import { AppError } from "@headroom/protocol";

type TPdfjs = typeof import("pdfjs-dist/legacy/build/pdf.mjs");
type TRenderParams = Parameters<Awaited<ReturnType<Awaited<ReturnType<TPdfjs["getDocument"]>["promise"]>["getPage"]>>["render"]>[0];

let loaded: Promise<{ pdfjs: TPdfjs; fontsDir: string | undefined }> | null = null;

/** pdf.js's standard fonts, found from the working directory up (Next's bundler hides require.resolve). */
function findStandardFonts(): string | undefined {
  for (let dir = process.cwd(); ; dir = path.dirname(dir)) {
    const fonts = path.join(dir, "node_modules", "pdfjs-dist", "standard_fonts");
    if (existsSync(fonts)) return fonts + path.sep;
    if (path.dirname(dir) === dir) return undefined;
  }
}

function loadPdfjs() {
  loaded ??= (async () => {
    const worker = await import("pdfjs-dist/legacy/build/pdf.worker.mjs");
    (globalThis as { pdfjsWorker?: unknown }).pdfjsWorker ??= worker;
    return { pdfjs: await import("pdfjs-dist/legacy/build/pdf.mjs"), fontsDir: findStandardFonts() };
  })();
  return loaded;
}

/** Page `page` (1-based) rendered to PNG with its longer side at most `maxSidePx`. */
export async function renderPdfPage(bytes: Buffer, page: number, maxSidePx: number): Promise<Buffer> {
  const { pdfjs, fontsDir } = await loadPdfjs();
  const task = pdfjs.getDocument({ data: new Uint8Array(bytes), standardFontDataUrl: fontsDir, useSystemFonts: false, isEvalSupported: false, verbosity: pdfjs.VerbosityLevel.ERRORS });
  try {
    const doc = await task.promise;
    if (page < 1 || page > doc.numPages) throw new AppError("NOT_FOUND", `The PDF has no page ${page}`);
    const p = await doc.getPage(page);
    const unit = p.getViewport({ scale: 1 });
    const scale = Math.min(maxSidePx / unit.width, maxSidePx / unit.height, 4);
    const viewport = p.getViewport({ scale });
    const canvas = createCanvas(Math.ceil(viewport.width), Math.ceil(viewport.height));
    const ctx = canvas.getContext("2d");
    ctx.fillStyle = "#ffffff";
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    await p.render({ canvas: canvas as unknown as TRenderParams["canvas"], canvasContext: ctx as unknown as TRenderParams["canvasContext"], viewport }).promise;
    p.cleanup();
    return canvas.toBuffer("image/png");
  } finally {
    await task.destroy().catch(() => {});
  }
}
