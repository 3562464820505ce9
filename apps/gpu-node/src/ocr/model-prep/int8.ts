/**
 * Which CPU models run int8 (quantize.ts), and loading them: the calibrated ranges are committed in
 * int8-ranges.json (made by `npx tsx bench/int8-calibrate.ts`), keyed by the original model file's
 * name and hash, so a model without ranges, or a changed file, simply stays float. The quantized model
 * is cached on disk (model-cache.ts).
 *
 * int8-ranges.json is read beside this module: in a bundle (scripts/gpu-host/pack.sh, pack-fleet.sh)
 * that is beside the bundle, where those scripts copy it.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { TInt8Stage } from "../switches.ts";
import { prepareForInt8 } from "./int8-form.ts";
import { cachedModel } from "./model-cache.ts";
import { quantizeConvs, type TRanges } from "./quantize.ts";

/** One model's calibration: activation ranges, and per-conv bias corrections (for the uint8 hard-swish form). */
export type TInt8Calibration = { ranges: TRanges; biasShift?: Record<string, number[]> };

export const INT8_RANGES_FILE = path.join(path.dirname(fileURLToPath(import.meta.url)), "int8-ranges.json");
/** Bumped whenever quantize.ts's output changes, so stale cache files are not reused. */
const INT8_VERSION = 2;

/** The stages that run int8 on the CPU: the switches' list (HEADROOM_OCR_INT8) where set, else the manifest's cpuInt8. */
export function int8Stages(fromManifest: readonly TInt8Stage[], fromSwitches: readonly TInt8Stage[] | null): Set<TInt8Stage> {
  return new Set(fromSwitches ?? fromManifest);
}

export const modelKey = (file: string, bytes: Uint8Array) => `${path.basename(file, ".onnx")}.${createHash("sha256").update(bytes).digest("hex").slice(0, 16)}`;

export function readRangesFile(file = INT8_RANGES_FILE): Record<string, TInt8Calibration> {
  try {
    return JSON.parse(readFileSync(file, "utf8")) as Record<string, TInt8Calibration>;
  } catch {
    return {};
  }
}

/**
 * `fused` (the CPU-fused float model of `file`, whose bytes are `original`) quantized to int8, as a
 * cached path (under `cacheDir`) or bytes; null when there are no calibrated ranges for this exact
 * file. Hard-swish after a quantized conv runs in uint8: the committed bias corrections were measured
 * that way, and it was 0.91× the time of float hard-swish between int8 convs (docs/bench-ocr.md).
 */
export async function int8Model(
  model: { file: string; original: Uint8Array; fused: Uint8Array },
  opts: { cacheDir: string; rangesFile?: string },
  log?: (msg: string, data?: object) => void,
): Promise<string | Uint8Array | null> {
  const { file } = model;
  const t0 = performance.now();
  const key = modelKey(file, model.original);
  const cal = readRangesFile(opts.rangesFile)[key];
  if (!cal) {
    log?.("ocr int8 model unavailable: no calibrated ranges", { file, key });
    return null;
  }
  const r = await cachedModel(int8CacheFile(opts.cacheDir, key, cal), () => {
    const { model: q, stats } = quantizeConvs(prepareForInt8(model.fused), cal.ranges, cal.biasShift ? { biasShift: cal.biasShift } : {});
    log?.("ocr model quantized to int8 for cpu", { file, ...stats, ms: Math.round(performance.now() - t0) });
    return q;
  });
  return r!.source;
}

/** Where in `cacheDir` the int8 model for a model key and calibration is cached. */
export function int8CacheFile(cacheDir: string, key: string, cal: TInt8Calibration): string {
  const calHash = createHash("sha256").update(JSON.stringify(cal)).digest("hex").slice(0, 12);
  return path.join(cacheDir, `${key}.int8-${calHash}.v${INT8_VERSION}.onnx`);
}
