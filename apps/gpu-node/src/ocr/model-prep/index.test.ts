/**
 * prepareModel, per stage and provider, on the real PP-OCRv4 models: what each provider gets, the
 * int8 choice and its fallbacks, and that cache entries follow the model, the pass and the calibration.
 */
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderPng } from "../../../test-fixtures/render-text.ts";
import { createOcrEngine } from "../index.ts";
import { defaultManifest, type TOcrManifest } from "../manifest.ts";
import { DEFAULT_OCR_SWITCHES } from "../switches.ts";
import { rewriteAttributeClips } from "./clip-rewrite.ts";
import { fuseActivations } from "./fuse-activations.ts";
import { prepareModel } from "./index.ts";
import { int8CacheFile, modelKey, readRangesFile } from "./int8.ts";
import { staticReshapeTargets } from "./static-reshape.ts";

const manifest = defaultManifest();
/** Byte equality of two models (toEqual walks a multi-MB array element by element, far too slowly). */
const same = (a: string | Uint8Array, b: Uint8Array) => typeof a !== "string" && Buffer.compare(a, b) === 0;
let cacheDir: string;
const switches = () => ({ ...DEFAULT_OCR_SWITCHES, modelCacheDir: cacheDir });

beforeAll(async () => {
  cacheDir = await mkdtemp(path.join(os.tmpdir(), "prepare-model-test-"));
});
afterAll(async () => rm(cacheDir, { recursive: true, force: true }));

describe("prepareModel", { timeout: 120_000 }, () => {
  it("cpu: rec int8 (the default manifest's cpuInt8), cached under a key of model and calibration", async () => {
    const notes: string[] = [];
    const p = await prepareModel("rec", "cpu", { manifest, switches: switches(), log: (msg) => notes.push(msg) });
    const original = await readFile(manifest.rec.file);
    const key = modelKey(manifest.rec.file, original);
    const cal = readRangesFile()[key]!;
    expect(p).toEqual({ source: int8CacheFile(cacheDir, key, cal), int8: true });
    expect(notes).toEqual(["ocr model quantized to int8 for cpu"]);
    const again = await prepareModel("rec", "cpu", { manifest, switches: switches(), log: (msg) => notes.push(msg) });
    expect(again).toEqual(p);
    expect(notes).toHaveLength(1); // read from the cache, not quantized again
    // Another calibration of the same model is another cache file, never the stale one.
    expect(int8CacheFile(cacheDir, key, { ...cal, ranges: { ...cal.ranges, x: [-2, 2] } })).not.toBe(p.source);
  });

  it("cpu: float stages, HEADROOM_OCR_INT8=0 and the float fallback get the fused float model as bytes", async () => {
    const fused = fuseActivations(await readFile(manifest.rec.file)).model;
    for (const p of [
      await prepareModel("rec", "cpu", { manifest, switches: { ...switches(), int8Stages: [] } }),
      await prepareModel("rec", "cpu", { manifest, switches: switches(), float: true }),
      await prepareModel("rec", "cpu", { manifest: { ...manifest, cpuInt8: [] }, switches: switches() }),
    ]) {
      expect(p.int8).toBe(false);
      expect(same(p.source, fused)).toBe(true);
    }
    const det = await prepareModel("det", "cpu", { manifest, switches: switches() });
    expect(det.int8).toBe(false);
    expect(same(det.source, fuseActivations(await readFile(manifest.det.file)).model)).toBe(true);
  });

  it("cpu: a stage named for int8 without calibrated ranges stays float", async () => {
    const notes: string[] = [];
    const p = await prepareModel("cls", "cpu", { manifest, switches: { ...switches(), int8Stages: ["cls"] }, log: (msg) => notes.push(msg) });
    expect(p.int8).toBe(false);
    expect(same(p.source, fuseActivations(await readFile(manifest.cls!.file)).model)).toBe(true);
    expect(notes).toContain("ocr int8 model unavailable: no calibrated ranges");
  });

  it("webgpu: the Clip rewrite and static reshape targets, cached; with both off, and for a model with neither, the file", async () => {
    const p = await prepareModel("rec", "webgpu", { manifest, switches: switches() });
    expect(p.int8).toBe(false);
    expect(typeof p.source).toBe("string");
    expect(path.dirname(p.source as string)).toBe(cacheDir);
    const rewritten = staticReshapeTargets(rewriteAttributeClips(await readFile(manifest.rec.file), manifest.webgpuClipRewrite as "hardsigmoid").bytes).bytes;
    expect(same(await readFile(p.source as string), rewritten)).toBe(true);
    const none: TOcrManifest = { ...manifest, webgpuClipRewrite: "none", webgpuStaticReshapes: false };
    expect(await prepareModel("rec", "webgpu", { manifest: none, switches: switches() })).toEqual({ source: manifest.rec.file, int8: false });
    expect(await prepareModel("det", "webgpu", { manifest, switches: switches() })).toEqual({ source: manifest.det.file, int8: false });
  });

  it("other providers get the file unchanged", async () => {
    for (const stage of ["det", "cls", "rec"] as const) {
      expect(await prepareModel(stage, "cuda", { manifest, switches: switches() })).toEqual({ source: manifest[stage]!.file, int8: false });
    }
  });
});

describe("int8 in the engine", { timeout: 120_000 }, () => {
  it("an engine with int8 rec still reads the engine test's English line exactly", async () => {
    const { engine } = await createOcrEngine({ providers: ["cpu"], threads: 2, switches: { int8Stages: ["rec"], modelCacheDir: cacheDir } });
    try {
      const r = await engine.recognize(await renderPng([{ text: "Headroom keeps every GPU alive 2026", sizePx: 40 }]));
      expect(r.text).toBe("Headroom keeps every GPU alive 2026");
    } finally {
      await engine.release();
    }
  });

  it("falls back to the float model when the int8 one cannot be loaded", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "int8-broken-"));
    try {
      const key = modelKey(manifest.rec.file, await readFile(manifest.rec.file));
      const cached = int8CacheFile(dir, key, readRangesFile()[key]!);
      await mkdir(path.dirname(cached), { recursive: true });
      await writeFile(cached, "not an onnx model");
      const notes: string[] = [];
      const { engine } = await createOcrEngine({ providers: ["cpu"], threads: 2, switches: { modelCacheDir: dir }, log: (msg) => notes.push(msg) });
      try {
        expect(notes).toContain("ocr int8 model failed to load; using float");
        const r = await engine.recognize(await renderPng([{ text: "Headroom keeps every GPU alive 2026", sizePx: 40 }]));
        expect(r.text).toBe("Headroom keeps every GPU alive 2026");
        expect(r.provider).toBe("cpu");
        expect(await readdir(dir)).toEqual([path.basename(cached)]); // the damaged file is left for an operator to see
      } finally {
        await engine.release();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
