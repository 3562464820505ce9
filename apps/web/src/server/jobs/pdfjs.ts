// pdf.js for the control plane: the upload check (page count and sizes) and the page preview open
// documents the same way. It runs in this thread (its worker module registered as
// globalThis.pdfjsWorker, so no worker thread), fetches nothing, and runs no embedded scripts.
import { existsSync } from "node:fs";
import path from "node:path";

type TPdfjs = typeof import("pdfjs-dist/legacy/build/pdf.mjs");
export type TPdfDocument = Awaited<ReturnType<TPdfjs["getDocument"]>["promise"]>;

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

/** Loads pdf.js once (seconds on a busy machine), so that callers can keep it out of a time limit. */
export async function preloadPdfjs(): Promise<void> {
  await loadPdfjs();
}

/**
 * Opens a PDF; pdf.js's own error (PasswordException, InvalidPDFException, …) is thrown as is for the
 * caller to word. The caller must `destroy()` the document.
 */
export async function openPdf(bytes: Uint8Array): Promise<TPdfDocument> {
  const { pdfjs, fontsDir } = await loadPdfjs();
  const task = pdfjs.getDocument({
    data: new Uint8Array(bytes), // a copy: pdf.js may detach what it is given
    standardFontDataUrl: fontsDir,
    useWorkerFetch: false,
    useSystemFonts: false,
    isEvalSupported: false,
    enableXfa: false,
    verbosity: pdfjs.VerbosityLevel.ERRORS,
  });
  try {
    return await task.promise;
  } catch (err) {
    await task.destroy().catch(() => {});
    throw err;
  }
}
