import { readFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import { lineTensor, randomLine, renderLine, rng } from "../../../test-fixtures/synthetic-text.ts";
import { buildCharset, ctcGreedyDecode } from "../ctc.ts";
import { defaultManifest } from "../manifest.ts";
import { ocrSwitchesFromEnv } from "../switches.ts";
import { fuseActivations } from "./fuse-activations.ts";
import { prepareForInt8 } from "./int8-form.ts";
import { int8Model, int8Stages, modelKey, readRangesFile } from "./int8.ts";
import { decodeModel, encodeModel, listNodes, modelOpset } from "./onnx-model.ts";
import { quantizeConvs, uint8Params } from "./quantize.ts";
import { upgradeOpset } from "./upgrade-opset.ts";

const m = defaultManifest();
const opts = { executionProviders: ["cpu"], graphOptimizationLevel: "all", intraOpNumThreads: 2, logSeverityLevel: 3 } as const;

async function run(model: Uint8Array, x: ort.Tensor): Promise<Float32Array> {
  const s = await ort.InferenceSession.create(model, opts);
  try {
    return (await s.run({ [s.inputNames[0]!]: x }))[s.outputNames[0]!]!.data as Float32Array;
  } finally {
    await s.release();
  }
}

const maxDiff = (a: Float32Array, b: Float32Array) => a.reduce((d, v, i) => Math.max(d, Math.abs(v - b[i]!)), 0);

function editDistance(a: string, b: string): number {
  const d = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0]!;
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = d[j]!;
      d[j] = Math.min(d[j]! + 1, d[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return d[b.length]!;
}

describe("upgradeOpset / prepareForInt8", () => {
  it.each([
    ["rec", m.rec.file, [2, 3, 48, 96]],
    ["det", m.det.file, [1, 3, 160, 96]],
    ["cls", m.cls!.file, [2, 3, 48, 192]],
  ] as const)("%s: opset 13 with the same outputs", async (_name, file, shape) => {
    const cpu = fuseActivations(await readFile(file)).model;
    const decoded = decodeModel(cpu);
    const up = encodeModel(decoded, { nodes: upgradeOpset(decoded)!, opset: 13 });
    expect(modelOpset(decodeModel(up))).toBe(13);
    expect(upgradeOpset(decodeModel(up))).toBeNull();
    const prepared = prepareForInt8(cpu);
    let seed = 3;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1;
    const x = new ort.Tensor("float32", Float32Array.from({ length: ([...shape] as number[]).reduce((a, b) => a * b, 1) }, rnd), [...shape]);
    const [a, b, c] = [await run(cpu, x), await run(up, x), await run(prepared, x)];
    expect(maxDiff(a, b)).toBeLessThan(1e-5);
    expect(maxDiff(a, c)).toBeLessThan(1e-3);
  }, 60_000);

  it("refuses an op whose meaning it does not know to be unchanged", () => {
    // ModelProto { graph { node { input "x" output "y" op_type "Upsample" } }, opset_import { version 9 } }
    const node = Uint8Array.from([0x0a, 1, 0x78, 0x12, 1, 0x79, 0x22, 8, ...Buffer.from("Upsample")]);
    const graph = Uint8Array.from([0x0a, node.length, ...node]);
    const model = Uint8Array.from([0x3a, graph.length, ...graph, 0x42, 2, 0x10, 9]);
    expect(() => upgradeOpset(decodeModel(model))).toThrow(/Upsample/);
  });
});

describe("int8 rec (QDQ)", () => {
  it("uint8 parameters cover the range and keep 0 exact", () => {
    expect(uint8Params(-1, 3)).toEqual({ scale: Math.fround(4 / 255), zeroPoint: 64 });
    expect(uint8Params(0.5, 2).zeroPoint).toBe(0);
    expect(uint8Params(0, 0).scale).toBe(1);
  });

  it("reads rendered lines (not the calibration set) close to the float model", async () => {
    const original = await readFile(m.rec.file);
    const cal = readRangesFile()[modelKey(m.rec.file, original)];
    expect(cal?.biasShift, "int8-ranges.json has no calibration for this rec model: run bench/int8-calibrate.ts").toBeTruthy();
    const fp = prepareForInt8(fuseActivations(original).model);
    const { model: q, stats } = quantizeConvs(fp, cal!.ranges, { biasShift: cal!.biasShift! });
    // The committed calibration leaves the first 8 convs float (bench/int8-calibrate.ts --float-convs 8).
    expect(stats).toMatchObject({ convs: 30, skipped: 8 });
    expect(listNodes(q).filter((n) => n.opType === "Conv")).toHaveLength(38);
    expect(listNodes(q).filter((n) => n.opType === "HardSigmoid")).toHaveLength(30 - stats.hardSwish);
    const charset = buildCharset(await readFile(m.dictionary.file, "utf8"), true);
    const cjk = charset.filter((s) => /[\u4e00-\u9fff]/.test(s));
    const r = rng(2024);
    let errors = 0, chars = 0;
    for (let i = 0; i < 12; i++) {
      const x = lineTensor(renderLine(randomLine(r, cjk), 48, r));
      const [a, b] = [await run(fp, x), await run(q, x)];
      const steps = a.length / charset.length;
      const ta = ctcGreedyDecode(a, 0, steps, charset.length, charset, true).text;
      const tb = ctcGreedyDecode(b, 0, steps, charset.length, charset, true).text;
      errors += editDistance(ta, tb);
      chars += ta.length;
    }
    expect(errors / chars).toBeLessThan(0.05);
  }, 120_000);

  it("stays float where no ranges were calibrated, and HEADROOM_OCR_INT8 picks the stages", async () => {
    const none = path.join(os.tmpdir(), `no-ranges-${process.pid}.json`);
    const model = { file: m.rec.file, original: await readFile(m.rec.file), fused: new Uint8Array() };
    expect(await int8Model(model, { cacheDir: os.tmpdir(), rangesFile: none })).toBeNull();
    const stages = (v: string | undefined, fromManifest: Array<"det" | "cls" | "rec">) => [...int8Stages(fromManifest, ocrSwitchesFromEnv({ HEADROOM_OCR_INT8: v }).int8Stages)].sort();
    expect(stages("rec,det", [])).toEqual(["det", "rec"]);
    expect(stages("0", ["rec"])).toEqual([]);
    expect(stages(undefined, ["rec"])).toEqual(["rec"]);
    // A stage name it does not know used to be dropped silently; now the switch is refused.
    expect(() => stages("rec,det,bogus", [])).toThrow(/HEADROOM_OCR_INT8: unknown stage "bogus"/);
  });
});
