/**
 * What the int8 benches share: the float rec model as quantization sees it, the calibration that
 * bench/int8-calibrate.ts leaves in /tmp/int8-calibration-rec.json, and held-out synthetic lines
 * (a seed no calibration used, never the eval receipts) with a CTC reader for the model's output.
 */
import { readFileSync } from "node:fs";
import { defaultManifest } from "../src/ocr/index.ts";
import { buildCharset, ctcGreedyDecode } from "../src/ocr/ctc.ts";
import { fuseActivations } from "../src/ocr/model-prep/fuse-activations.ts";
import { prepareForInt8 } from "../src/ocr/model-prep/int8-form.ts";
import { lineTensor, randomLine, renderLine, rng } from "../test-fixtures/synthetic-text.ts";
import type { TCalibration } from "./int8-calibration.ts";

export const SESSION_OPTIONS = { executionProviders: ["cpu"], graphOptimizationLevel: "all", intraOpNumThreads: 2, logSeverityLevel: 3 } as const;

export function heldOutRec(seed: number, lineCount: number) {
  const m = defaultManifest();
  const charset = buildCharset(readFileSync(m.dictionary.file, "utf8"), true);
  const cjk = charset.filter((s) => /[\u4e00-\u9fff]/.test(s));
  const r = rng(seed);
  return {
    fp: prepareForInt8(fuseActivations(readFileSync(m.rec.file)).model),
    calibration: JSON.parse(readFileSync("/tmp/int8-calibration-rec.json", "utf8")) as TCalibration,
    lines: Array.from({ length: lineCount }, () => lineTensor(renderLine(randomLine(r, cjk), 48, r))),
    decode: (d: Float32Array) => ctcGreedyDecode(d, 0, d.length / charset.length, charset.length, charset, true).text,
  };
}
