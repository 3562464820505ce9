// pdf.js ships no types for its worker module; all we use is that it can be imported and registered
// as `globalThis.pdfjsWorker`, so pdf.js runs in this thread without spawning a worker.
declare module "pdfjs-dist/legacy/build/pdf.worker.mjs" {
  export const WorkerMessageHandler: unknown;
}
