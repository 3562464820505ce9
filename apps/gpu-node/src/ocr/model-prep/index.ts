/**
 * Model preparation: the one step between a manifest's model file and the ONNX Runtime session that
 * runs it, per stage and execution provider.
 *
 * - WebGPU: the attribute-form Clips rewritten (clip-rewrite.ts, manifest.webgpuClipRewrite) and the
 *   reshape targets computed at run time made constant (static-reshape.ts), cached.
 * - CPU: the exact activation fusions (fuse-activations.ts), then int8 (int8.ts, quantize.ts) for the
 *   stages that manifest.cpuInt8 or switches.int8Stages (HEADROOM_OCR_INT8) name, cached.
 * - Any other provider: the file as it is.
 *
 * Every pass decodes and encodes through onnx-model.ts, the only ONNX codec.
 */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { TOcrManifest } from "../manifest.ts";
import type { TInt8Stage, TOcrSwitches } from "../switches.ts";
import { rewriteAttributeClips, type TClipRewrite } from "./clip-rewrite.ts";
import { fuseActivations } from "./fuse-activations.ts";
import { int8Model, int8Stages } from "./int8.ts";
import { staticReshapeTargets } from "./static-reshape.ts";
import { cachedModel } from "./model-cache.ts";

export { CLIP_REWRITES, rewriteAttributeClips, type TClipRewrite } from "./clip-rewrite.ts";

export type TPrepareOptions = {
  manifest: TOcrManifest;
  switches: Pick<TOcrSwitches, "modelCacheDir" | "int8Stages">;
  /** true: no int8, even where the stage is listed (the fallback when the int8 model fails to load). */
  float?: boolean;
  log?: (msg: string, data?: object) => void;
};

/**
 * The `stage` model as `provider` should get it: a path or the bytes, as ort.InferenceSession.create
 * takes them. `int8` says whether it is the int8 model, so a caller can fall back to float.
 */
export async function prepareModel(stage: TInt8Stage, provider: string, opts: TPrepareOptions): Promise<{ source: string | Uint8Array; int8: boolean }> {
  const { manifest, switches, log } = opts;
  const file = manifest[stage]?.file;
  if (!file) throw new Error(`the manifest has no ${stage} model`);
  if (provider === "cpu") {
    const int8 = !opts.float && int8Stages(manifest.cpuInt8, switches.int8Stages).has(stage);
    return cpuModel(file, { int8, cacheDir: switches.modelCacheDir }, log);
  }
  if (provider !== "webgpu" || (manifest.webgpuClipRewrite === "none" && !manifest.webgpuStaticReshapes)) return { source: file, int8: false };
  const p = await webgpuModel(file, manifest.webgpuClipRewrite, switches.modelCacheDir, manifest.webgpuStaticReshapes);
  if (p.source !== file) log?.("ocr model rewritten for webgpu", { file, strategy: manifest.webgpuClipRewrite, staticReshapes: manifest.webgpuStaticReshapes, rewritten: p.rewritten, cached: p.cached, ms: p.ms });
  return { source: p.source, int8: false };
}

/** Fused for the CPU, and int8 where asked and calibrated; a model a pass cannot handle loads as float. */
async function cpuModel(file: string, opts: { int8: boolean; cacheDir: string }, log?: (msg: string, data?: object) => void): Promise<{ source: string | Uint8Array; int8: boolean }> {
  const t0 = performance.now();
  const original = await readFile(file);
  const { model, stats } = fuseActivations(original);
  if (opts.int8) {
    try {
      const q = await int8Model({ file, original, fused: model }, { cacheDir: opts.cacheDir }, log);
      if (q) return { source: q, int8: true };
    } catch (err) {
      log?.("ocr int8 quantization failed; using float", { file, reason: err instanceof Error ? err.message : String(err) });
    }
  }
  if (model === original) return { source: file, int8: false };
  log?.("ocr model rewritten for cpu", { file, ...stats, ms: Math.round(performance.now() - t0) });
  return { source: model, int8: false };
}

/** Bumped whenever the WebGPU passes' output changes, so stale cache files are not reused (2: static reshapes). */
const CLIP_REWRITE_VERSION = 2;

/**
 * The model at `file` with its attribute-form Clips rewritten, as a path to a cached copy (keyed by
 * the original's hash and the strategy) or, where the cache cannot be written, the bytes. A model
 * with nothing to rewrite comes back as its own path. `rewritten` is null when the cache had it.
 */
export async function webgpuModel(
  file: string,
  strategy: TClipRewrite | "none",
  cacheDir: string,
  staticReshapes = true,
): Promise<{ source: string | Uint8Array; rewritten: number | null; cached: boolean; ms: number }> {
  const t0 = performance.now();
  const original = await readFile(file);
  const hash = createHash("sha256").update(original).digest("hex").slice(0, 16);
  const cacheFile = path.join(cacheDir, `${path.basename(file, ".onnx")}.${hash}.clip-${strategy}${staticReshapes ? "" : ".dynamic-shapes"}.v${CLIP_REWRITE_VERSION}.onnx`);
  let rewritten: number | null = null;
  const r = await cachedModel(cacheFile, () => {
    const clips = strategy === "none" ? { bytes: original, rewritten: 0 } : rewriteAttributeClips(original, strategy);
    const shapes = staticReshapes ? staticReshapeTargets(clips.bytes) : { bytes: clips.bytes, rewritten: 0 };
    rewritten = clips.rewritten + shapes.rewritten;
    return rewritten === 0 ? null : shapes.bytes;
  });
  const ms = Math.round(performance.now() - t0);
  return r ? { source: r.source, rewritten, cached: r.hit, ms } : { source: file, rewritten: 0, cached: false, ms };
}
