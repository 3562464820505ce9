/**
 * The Clip rewrite on the real PP-OCRv4 rec model: no attribute-form Clip is left, everything else is
 * kept byte for byte, and on the CPU the rewritten model gives the original's output on real text
 * crops and on random input.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import ort from "onnxruntime-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderPng } from "../../../test-fixtures/render-text.ts";
import { sampleQuad } from "../crop.ts";
import { decodeImage } from "../../image/decode.ts";
import type { TQuadPx } from "../geometry.ts";
import { SYMMETRIC_NORM } from "../line.ts";
import { defaultManifest } from "../manifest.ts";
import { CLIP_REWRITES, rewriteAttributeClips } from "./clip-rewrite.ts";
import { webgpuModel } from "./index.ts";
import { decodeModel, listNodes, modelOpset } from "./onnx-model.ts";
import { staticReshapeTargets } from "./static-reshape.ts";

const H = 48;
const W = 480;
let original: Uint8Array;
let cacheDir: string;
const onnxOpset = (model: Uint8Array) => modelOpset(decodeModel(model));

beforeAll(async () => {
  original = await readFile(defaultManifest().rec.file);
  cacheDir = await mkdtemp(path.join(os.tmpdir(), "clip-rewrite-test-"));
});
afterAll(async () => rm(cacheDir, { recursive: true, force: true }));

/** Rendered text lines, cropped and normalised as the recogniser does, padded to W. */
async function realCrops(): Promise<Float32Array> {
  const texts = ["Headroom keeps every GPU alive 2026", "TOTAL RM 45.90 CASH", "显存余量调度文字识别"];
  const data = new Float32Array(texts.length * 3 * H * W);
  for (const [b, text] of texts.entries()) {
    const img = await decodeImage(await renderPng([{ text, sizePx: 40 }], { widthPx: 900 }), 1e8);
    const quad: TQuadPx = [[0, 0], [img.widthPx, 0], [img.widthPx, img.heightPx], [0, img.heightPx]];
    const outWidthPx = Math.min(W, Math.ceil((H * img.widthPx) / img.heightPx));
    sampleQuad(img, quad, { tensor: data, offset: b * 3 * H * W, tensorWidth: W, tensorHeight: H, outWidthPx, channelOrder: [2, 1, 0], ...SYMMETRIC_NORM });
  }
  return data;
}

async function runRec(model: Uint8Array, input: Float32Array): Promise<Float32Array> {
  const s = await ort.InferenceSession.create(model, { executionProviders: ["cpu"], intraOpNumThreads: 2 });
  try {
    const out = await s.run({ [s.inputNames[0]!]: new ort.Tensor("float32", input, [input.length / (3 * H * W), 3, H, W]) });
    return out[s.outputNames[0]!]!.data as Float32Array;
  } finally {
    await s.release();
  }
}

const maxAbsDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);

describe("rewriteAttributeClips on PP-OCRv4 rec", { timeout: 120_000 }, () => {
  it("finds the 28 attribute-form Clips of the opset-9 model", () => {
    expect(onnxOpset(original)).toBe(9);
    const clips = listNodes(original).filter((n) => n.opType === "Clip");
    expect(clips).toHaveLength(28);
    expect(clips[0]!.floatAttrs).toMatchObject({ min: 0, max: 6 });
  });

  for (const strategy of CLIP_REWRITES) {
    it(`${strategy}: no Clip left, other nodes untouched, same output on real crops and random input`, async () => {
      const r = rewriteAttributeClips(original, strategy);
      expect(r.rewritten).toBe(28);
      const before = listNodes(original);
      const after = listNodes(r.bytes);
      expect(after.filter((n) => n.opType === "Clip")).toHaveLength(0);
      // Every original node other than a Clip is still there, in order, with the same wiring.
      const added = (n: (typeof after)[number]) => [...n.inputs, ...n.outputs].some((x) => x.startsWith("headroom.clip"));
      expect(after.filter((n) => !added(n))).toEqual(before.filter((n) => n.opType !== "Clip"));
      expect(after.filter(added)).toHaveLength(28 * 2);
      expect(onnxOpset(r.bytes)).toBe(9);

      const crops = await realCrops();
      const [a, b] = [await runRec(original, crops), await runRec(r.bytes, crops)];
      expect(maxAbsDiff(a, b)).toBeLessThan(1e-4);
      console.log(`${strategy}: max abs diff on real crops ${maxAbsDiff(a, b).toExponential(2)}`);

      const noise = Float32Array.from({ length: 2 * 3 * H * W }, () => Math.random() * 2 - 1);
      const [c, d] = [await runRec(original, noise), await runRec(r.bytes, noise)];
      expect(maxAbsDiff(c, d)).toBeLessThan(1e-4);
    });
  }

  it("leaves a model with nothing to rewrite unchanged, and round-trips untouched fields byte for byte", async () => {
    const det = await readFile(defaultManifest().det.file);
    const r = rewriteAttributeClips(det);
    expect(r.rewritten).toBe(0);
    expect(r.bytes).toBe(det);
    const once = rewriteAttributeClips(original).bytes;
    // A second pass finds nothing and returns the same bytes.
    expect(rewriteAttributeClips(once).rewritten).toBe(0);
  });

  it("caches the rewritten model on disk and reuses it", async () => {
    const file = defaultManifest().rec.file;
    const first = await webgpuModel(file, "hardsigmoid", cacheDir);
    expect(first).toMatchObject({ rewritten: 28 + 5, cached: false });
    expect(typeof first.source).toBe("string");
    const second = await webgpuModel(file, "hardsigmoid", cacheDir);
    expect(second).toMatchObject({ source: first.source, rewritten: null, cached: true });
    const onDisk = await readFile(first.source as string);
    expect(listNodes(onDisk).filter((n) => n.opType === "Clip")).toHaveLength(0);
    // 28 Clips, then 5 reshape targets (static-reshape.ts). Not toEqual: far too slow on MBs.
    expect(Buffer.compare(onDisk, staticReshapeTargets(rewriteAttributeClips(original).bytes).bytes)).toBe(0);
  });

  it("keys the cache by the model's bytes and the strategy, and caches nothing for a model without Clips", async () => {
    const file = defaultManifest().rec.file;
    const hs = await webgpuModel(file, "hardsigmoid", cacheDir);
    const mm = await webgpuModel(file, "minmax", cacheDir);
    expect(mm.source).not.toBe(hs.source);
    expect(mm).toMatchObject({ rewritten: 28 + 5, cached: false });
    // The same file name with other bytes (a model update) is a new cache entry, never the stale one.
    const dir = await mkdtemp(path.join(os.tmpdir(), "clip-rewrite-copy-"));
    try {
      const copy = path.join(dir, path.basename(file));
      await writeFile(copy, Buffer.concat([original, Buffer.from([0x32, 0])])); // + an empty ModelProto doc_string (field 6)
      const changed = await webgpuModel(copy, "hardsigmoid", cacheDir);
      expect(changed).toMatchObject({ rewritten: 28 + 5, cached: false });
      expect(changed.source).not.toBe(hs.source);
      const det = defaultManifest().det.file;
      expect(await webgpuModel(det, "hardsigmoid", cacheDir)).toMatchObject({ source: det, rewritten: 0, cached: false });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
