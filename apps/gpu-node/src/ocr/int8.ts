/**
 * Which CPU models run int8 (quantize.ts), and loading them: the calibrated ranges are committed in
 * int8-ranges.json (made by `npx tsx bench/int8-calibrate.ts`), keyed by the original model file's
 * name and hash, so a model without ranges, or a changed file, simply stays float. The quantized model
 * is cached on disk (like model-rewrite.ts) because a runner recycle reloads the models.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { access, mkdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { prepareForInt8, quantizeConvs, type TRanges } from "./quantize.ts";
import type { TInt8Stage } from "./switches.ts";

/** One model's calibration: activation ranges, and per-conv bias corrections (for the uint8 hard-swish form). */
export type TInt8Calibration = { ranges: TRanges; biasShift?: Record<string, number[]> };

export const INT8_RANGES_FILE = path.join(path.dirname(fileURLToPath(import.meta.url)), "int8-ranges.json");
/** Bumped whenever quantize.ts's output changes, so stale cache files are not reused. */
const INT8_VERSION = 2;

/** The stages that run int8 on the CPU: the switches' list (HEADROOM_OCR_INT8, A/B runs) where set, else the manifest's cpuInt8. */
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
 * `cpuBytes` (the CPU-rewritten float model of `file`) quantized to int8, as a cached path (under
 * `cacheDir`) or bytes; null when there are no calibrated ranges for this exact file. Without
 * `hardSwish` (HEADROOM_OCR_INT8_HSWISH=0, A/B runs) hard-swish stays float between the int8 convs.
 */
export async function int8Model(
  file: string,
  cpuBytes: Uint8Array,
  opts: { cacheDir: string; hardSwish: boolean; rangesFile?: string },
  log?: (msg: string, data?: object) => void,
): Promise<string | Uint8Array | null> {
  const { cacheDir, hardSwish, rangesFile = INT8_RANGES_FILE } = opts;
  const t0 = performance.now();
  const key = modelKey(file, await readFile(file));
  const cal = readRangesFile(rangesFile)[key];
  if (!cal) {
    log?.("ocr int8 model unavailable: no calibrated ranges", { file, key });
    return null;
  }
  const cached = int8CacheFile(cacheDir, key, cal, hardSwish);
  try {
    await access(cached);
    return cached;
  } catch {
    // not cached yet
  }
  // The bias corrections were measured with the uint8 hard-swish; without it they would not fit.
  const { model, stats } = quantizeConvs(prepareForInt8(cpuBytes), cal.ranges, { hardSwish, ...(hardSwish && cal.biasShift ? { biasShift: cal.biasShift } : {}) });
  log?.("ocr model quantized to int8 for cpu", { file, ...stats, ms: Math.round(performance.now() - t0) });
  try {
    await mkdir(path.dirname(cached), { recursive: true });
    const tmp = `${cached}.${process.pid}.tmp`;
    await writeFile(tmp, model);
    await rename(tmp, cached);
    return cached;
  } catch {
    return model;
  }
}

/** Where in `cacheDir` (model-rewrite.ts's cache folder too) the int8 model for a model key and calibration is cached. */
export function int8CacheFile(cacheDir: string, key: string, cal: TInt8Calibration, hardSwish = true): string {
  const calHash = createHash("sha256").update(JSON.stringify(cal)).digest("hex").slice(0, 12);
  return path.join(cacheDir, `${key}.int8-${calHash}${hardSwish ? "" : "-nohs"}.v${INT8_VERSION}.onnx`);
}
