/**
 * PP-OCR text recognition on ONNX Runtime. The agent's model runner creates one engine at start and
 * keeps its sessions resident; see docs/bench-ocr.md for accuracy and speed.
 */
import os from "node:os";
import type { TOcrResult } from "@headroom/protocol";
import { PaddleOcrEngine } from "./engine.ts";
import { loadManifest, type TOcrManifest } from "./manifest.ts";
import { openSessions, type TProviderNote, type TStageProviders } from "./sessions.ts";
import { DEFAULT_OCR_SWITCHES, type TOcrSwitches } from "./switches.ts";

export { OcrInputError } from "../image/input-error.ts";
export { defaultManifest, loadManifest, ZOcrManifestSchema, type TOcrManifest } from "./manifest.ts";
export type { TOcrStage, TProviderNote, TStageProviders } from "./sessions.ts";
export { prepareModel, rewriteAttributeClips, type TClipRewrite } from "./model-prep/index.ts";
export { DEFAULT_OCR_SWITCHES, ocrSwitchesFromEnv, OcrSwitchesError, type TOcrSwitches } from "./switches.ts";

export interface OcrEngine {
  /**
   * The execution provider actually in use: "cuda" | "webgpu" | "cpu", or each stage's where they
   * differ (stageProviders), e.g. "det=webgpu,cls=cpu,rec=webgpu".
   */
  readonly provider: string;
  /** Manifest name, e.g. "pp-ocrv4". */
  readonly model: string;
  recognize(input: Buffer, opts?: { signal?: AbortSignal }): Promise<TOcrResult>;
  release(): Promise<void>;
}

/**
 * Load the manifest's models on the first provider (in the given order) that can run them, or, with
 * `stageProviders` (option, else the manifest's), each stage on the first of its own order.
 * Throws only when none can; the error carries `providerNotes`.
 */
export async function createOcrEngine(opts: {
  providers: string[];
  manifestPath?: string;
  threads?: number;
  /** PDF rendering resolution in DPI (default 150). */
  pdfDpi?: number;
  /** The most pages (PDF pages, image frames) one input may have (default 50); more is bad input. */
  maxPages?: number;
  /** Inputs in flight at once in this engine (default 1); they share rec batches (rec-batcher.ts). */
  maxJobs?: number;
  /** Worker threads for line crops (crop-pool.ts); default: cropWorkersFor(rec's provider). */
  cropWorkers?: number;
  /** Overrides the manifest's `stageProviders`; null forces one provider for all stages. */
  stageProviders?: TStageProviders | null;
  /** The A/B switches (switches.ts); what is left out keeps its default. The agent parses them once (env.ts). */
  switches?: Partial<TOcrSwitches>;
  log?: (msg: string, data?: object) => void;
}): Promise<{ engine: OcrEngine; providerNotes: TProviderNote[] }> {
  const manifest = await loadManifest(opts.manifestPath);
  const stages = opts.stageProviders === undefined ? (manifest.stageProviders ?? undefined) : (opts.stageProviders ?? undefined);
  const switches: TOcrSwitches = { ...DEFAULT_OCR_SWITCHES, ...opts.switches };
  const load = { threads: opts.threads, switches, log: opts.log };
  const { provider, stageProvider, sessions, notes } = await openSessions(manifest, opts.providers, load, stages);
  try {
    const engine = await PaddleOcrEngine.create(provider, withStageBatching(manifest, stageProvider.rec), sessions, {
      ...(opts.pdfDpi ? { pdfDpi: opts.pdfDpi } : {}),
      ...(opts.maxPages ? { maxPages: opts.maxPages } : {}),
      maxJobs: opts.maxJobs ?? 1,
      cropWorkers: opts.cropWorkers ?? cropWorkersFor(stageProvider.rec),
      clsProbe: switches.clsProbe,
    });
    return { engine, providerNotes: notes };
  } catch (err) {
    await Promise.allSettled([sessions.det.release(), sessions.cls?.release(), sessions.rec.release()]);
    throw err;
  }
}

/**
 * On a GPU the JS thread should only feed the device, so crops go to workers (up to 4: an A4 page's
 * crops take about 90 ms on one thread). On the CPU, ORT's intra-op threads already have the cores.
 */
export function cropWorkersFor(recProvider: string | undefined): number {
  return recProvider === "webgpu" || recProvider === "cuda" ? Math.min(4, Math.max(1, os.availableParallelism() - 2)) : 0;
}

/** Recognition batches sized for the provider rec runs on: a GPU wants far larger batches than the CPU's cache does. */
function withStageBatching(m: TOcrManifest, recProvider: string | undefined): TOcrManifest {
  if ((recProvider !== "webgpu" && recProvider !== "cuda") || !m.rec.webgpu) return m;
  return { ...m, rec: { ...m.rec, batchSize: m.rec.webgpu.batchSize, batchColumnsPx: m.rec.webgpu.batchColumnsPx } };
}
