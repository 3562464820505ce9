// One PDF page as an image for the job detail preview. The agents rasterise PDFs for OCR
// (apps/gpu-node/src/pdf); this renders a single page on demand, bounded in size, so the browser
// can draw the recognised boxes over it (they are in page pixels, so any scale of the page fits).
import { createCanvas } from "@napi-rs/canvas";
import { AppError } from "@headroom/protocol";
import { openPdf, type TPdfDocument } from "./pdfjs";

type TPdfPage = Awaited<ReturnType<TPdfDocument["getPage"]>>;
type TRenderParams = Parameters<TPdfPage["render"]>[0];

/** Page `page` (1-based) rendered to PNG with its longer side at most `maxSidePx`. */
export async function renderPdfPage(bytes: Buffer, page: number, maxSidePx: number): Promise<Buffer> {
  const doc = await openPdf(bytes);
  try {
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
    await doc.destroy();
  }
}
