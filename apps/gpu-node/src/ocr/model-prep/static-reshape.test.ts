import { readFile } from "node:fs/promises";
import ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import { defaultManifest } from "../manifest.ts";
import { listNodes } from "./onnx-model.ts";
import { staticReshapeTargets } from "./static-reshape.ts";

/** Seeded values in the normalised input range, never zeros. */
function input(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    out[i] = (s / 2 ** 32) * 2 - 1;
  }
  return out;
}

describe("staticReshapeTargets on PP-OCRv4 rec", { timeout: 60_000 }, () => {
  it("makes the five run-time reshape targets constant and computes what the original does", async () => {
    const original = await readFile(defaultManifest().rec.file);
    const r = staticReshapeTargets(original);
    expect(r.rewritten).toBe(5);
    expect(r.removed).toBeGreaterThan(0);
    const casts = (b: Uint8Array) => listNodes(b).filter((n) => n.opType === "Cast").length;
    expect(casts(r.bytes)).toBe(0);
    expect(casts(original)).toBeGreaterThan(0);
    const opts = { executionProviders: ["cpu"], intraOpNumThreads: 2 };
    const [a, b] = await Promise.all([ort.InferenceSession.create(original, opts), ort.InferenceSession.create(r.bytes, opts)]);
    // Two batch sizes and widths: the removed arithmetic read the sequence length from the input.
    for (const [batch, width, seed] of [[2, 320, 1], [3, 640, 2]] as const) {
      const feed = (s: ort.InferenceSession) => ({ [s.inputNames[0]!]: new ort.Tensor("float32", input(batch * 3 * 48 * width, seed), [batch, 3, 48, width]) });
      const ya = (await a.run(feed(a)))[a.outputNames[0]!]!;
      const yb = (await b.run(feed(b)))[b.outputNames[0]!]!;
      expect(yb.dims).toEqual(ya.dims);
      const [da, db] = [ya.data as Float32Array, yb.data as Float32Array];
      let maxDiff = 0;
      for (let i = 0; i < da.length; i++) maxDiff = Math.max(maxDiff, Math.abs(da[i]! - db[i]!));
      // The same function: ORT optimises the graph a little differently once the targets are constants
      // (about 1e-6 on probabilities).
      expect(maxDiff).toBeLessThan(1e-5);
    }
    await Promise.all([a.release(), b.release()]);
  });

  it("leaves a model without such targets as it is", async () => {
    const det = await readFile(defaultManifest().det.file);
    const r = staticReshapeTargets(det);
    expect(r.bytes).toBe(det);
    expect([r.rewritten, r.removed]).toEqual([0, 0]);
  });
});
