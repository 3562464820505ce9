// Entry point of the runner child process: the OCR model stays resident here, so recycling this
// process is what really hands its memory back to the driver (see ARCHITECTURE.md, Memory).
import { createOcrEngine, OcrInputError } from "../ocr/index.ts";
import { serveRunner } from "./child-loop.ts";
import type { TRunnerChildConfig } from "./ipc.ts";

const config = JSON.parse(process.argv[2] ?? "{}") as TRunnerChildConfig;

await serveRunner(
  (log) =>
    createOcrEngine({
      providers: config.providers,
      ...(config.manifestPath ? { manifestPath: config.manifestPath } : {}),
      ...(config.threads ? { threads: config.threads } : {}),
      ...(config.pdfDpi ? { pdfDpi: config.pdfDpi } : {}),
      ...(config.maxPages ? { maxPages: config.maxPages } : {}),
      ...(config.ocrSwitches ? { switches: config.ocrSwitches } : {}),
      ...(config.maxJobs ? { maxJobs: config.maxJobs } : {}),
      ...(config.cropWorkers !== undefined ? { cropWorkers: config.cropWorkers } : {}),
      log,
    }),
  (e) => e instanceof OcrInputError,
);
