/**
 * The OCR engine's switches for A/B runs (docs/bench-ocr.md), as one plain object. They are read from
 * the environment once, at an edge (the agent's env.ts, a bench script), and passed down through
 * createOcrEngine: no OCR module reads the environment, so a runner child does what its config says
 * and a test or an A/B bench can run two settings side by side in one process.
 *
 * A switch whose A/B is settled is retired and its winner kept: HEADROOM_OCR_CPU_REWRITE (the exact
 * CPU fusions won, 0.81× the time at the same CER) and HEADROOM_OCR_INT8_HSWISH (uint8 hard-swish won,
 * 0.91× the time, and the committed bias corrections were measured with it) no longer exist.
 */
import os from "node:os";
import path from "node:path";

export type TInt8Stage = "det" | "cls" | "rec";
const INT8_STAGES: readonly TInt8Stage[] = ["det", "cls", "rec"];

export type TOcrSwitches = {
  /** Where WebGPU-rewritten and int8 models are cached, so a runner recycle reuses them. HEADROOM_MODEL_CACHE. */
  modelCacheDir: string;
  /** The stages that run int8 on the CPU provider; null leaves it to the manifest's `cpuInt8`. HEADROOM_OCR_INT8. */
  int8Stages: TInt8Stage[] | null;
  /** false: the angle classifier reads every line instead of stopping at an all-upright batch (classify.ts). HEADROOM_OCR_CLS_PROBE=0. */
  clsProbe: boolean;
};

export const DEFAULT_OCR_SWITCHES: Readonly<TOcrSwitches> = {
  modelCacheDir: path.join(os.tmpdir(), "headroom-model-cache"),
  int8Stages: null,
  clsProbe: true,
};

/** A malformed switch; `issues` are "NAME: what is wrong", one per variable, for the agent's config error. */
export class OcrSwitchesError extends Error {
  constructor(readonly issues: string[]) {
    super(`Invalid OCR switches:\n${issues.map((i) => `  ${i}`).join("\n")}`);
    this.name = "OcrSwitchesError";
  }
}

/**
 * The switches from environment variables; unset or empty means the default (as in env.ts). The
 * on/off switches take "0" or "1", and HEADROOM_OCR_INT8 a comma list of det, cls, rec or "0" for
 * none: anything else throws, since a typo would otherwise measure the default under another name.
 */
export function ocrSwitchesFromEnv(env: Readonly<Record<string, string | undefined>>): TOcrSwitches {
  const issues: string[] = [];
  const set = (name: string) => env[name]?.trim() || undefined;
  const onOff = (name: string, fallback: boolean) => {
    const v = set(name);
    if (v === undefined) return fallback;
    if (v === "0" || v === "1") return v === "1";
    issues.push(`${name}: must be 0 or 1, got "${v}"`);
    return fallback;
  };
  const switches: TOcrSwitches = {
    modelCacheDir: set("HEADROOM_MODEL_CACHE") ?? DEFAULT_OCR_SWITCHES.modelCacheDir,
    int8Stages: int8StageList(set("HEADROOM_OCR_INT8"), (m) => issues.push(`HEADROOM_OCR_INT8: ${m}`)),
    clsProbe: onOff("HEADROOM_OCR_CLS_PROBE", DEFAULT_OCR_SWITCHES.clsProbe),
  };
  if (issues.length > 0) throw new OcrSwitchesError(issues);
  return switches;
}

function int8StageList(v: string | undefined, fail: (message: string) => void): TInt8Stage[] | null {
  if (v === undefined) return null;
  if (v === "0") return [];
  const names = v.split(",").map((s) => s.trim().toLowerCase()).filter(Boolean);
  const unknown = names.filter((s) => !INT8_STAGES.includes(s as TInt8Stage));
  if (unknown.length > 0) fail(`unknown stage ${unknown.map((s) => `"${s}"`).join(", ")} (known: ${INT8_STAGES.join(", ")}; "0" for none)`);
  else if (names.length === 0) fail(`lists no stage ("0" for none)`);
  return INT8_STAGES.filter((s) => names.includes(s));
}
