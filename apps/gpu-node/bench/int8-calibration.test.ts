// The calibration tool's statistics. Not in the root vitest run, which includes only src/ (like
// bench/score.test.ts): run it with a config whose `include` names this file, or add
// "apps/**/bench/**/*.test.ts" to vitest.config.ts.
import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { defaultManifest } from "../src/ocr/manifest.ts";
import { fuseActivations } from "../src/ocr/model-prep/fuse-activations.ts";
import { prepareForInt8 } from "../src/ocr/model-prep/int8-form.ts";
import { convActivations } from "../src/ocr/model-prep/quantize.ts";
import { lineTensor, randomLine, renderLine, rng } from "../test-fixtures/synthetic-text.ts";
import { calibrate, mseRange } from "./int8-calibration.ts";

const m = defaultManifest();

describe("int8 calibration", () => {
  it("mseRange clips a rare outlier but keeps a range the values fill", () => {
    const hist = new Float64Array(2048);
    for (let i = 0; i < 205; i++) hist[i] = 100_000; // 20 M values on [0, 1] of a [0, 10] histogram
    hist[2047] = 1;
    const [lo, hi] = mseRange(hist, 0, 10);
    expect(lo).toBe(0);
    expect(hi).toBeLessThan(2);
    expect(hi).toBeGreaterThanOrEqual(1);
    const flat = new Float64Array(2048).fill(10);
    expect(mseRange(flat, -1, 3)).toEqual([-1, 3]);
  });

  it("calibrates every tensor it will quantize, the input at its exact range", async () => {
    const fp = prepareForInt8(fuseActivations(await readFile(m.rec.file)).model);
    const r = rng(5);
    const cal = await calibrate(fp, [0, 1, 2].map(() => lineTensor(renderLine(randomLine(r, ["字"]), 48, r))));
    const names = convActivations(fp);
    for (const method of ["minmax", "mean", "mse"] as const) {
      expect(Object.keys(cal[method]).sort()).toEqual([...names].sort());
      for (const [lo, hi] of Object.values(cal[method])) expect(lo).toBeLessThanOrEqual(hi);
    }
    const [lo, hi] = cal.mean.x!;
    expect(lo).toBeGreaterThanOrEqual(-1);
    expect(hi).toBeLessThanOrEqual(1);
    expect(cal.mean.x).toEqual(cal.minmax.x);
  }, 60_000);
});
