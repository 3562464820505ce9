import { readFile } from "node:fs/promises";
import ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import { defaultManifest } from "../manifest.ts";
import { fuseActivations } from "./fuse-activations.ts";

const m = defaultManifest();
const opts = { executionProviders: ["cpu"], graphOptimizationLevel: "all", intraOpNumThreads: 1 } as const;

describe("fuseActivations", () => {
  it.each([
    ["rec", m.rec.file, [2, 3, 48, 96], { hardSwish: 28, affineIntoConv: 40, scaleIntoConv: 16 }],
    ["det", m.det.file, [1, 3, 160, 96], { hardSwish: 24, affineIntoConv: 38, scaleIntoConv: 14 }],
    ["cls", m.cls!.file, [2, 3, 48, 192], { hardSwish: 18, affineIntoConv: 0, scaleIntoConv: 0 }],
  ] as const)("%s: same outputs as the original model", async (_name, file, shape, expected) => {
    const bytes = await readFile(file);
    const { model, stats } = fuseActivations(bytes);
    expect(stats).toEqual(expected);
    const a = await ort.InferenceSession.create(bytes, opts);
    const b = await ort.InferenceSession.create(model, opts);
    let n = 1;
    for (const d of shape) n *= d;
    let seed = 1;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1;
    const x = new ort.Tensor("float32", Float32Array.from({ length: n }, rnd), [...shape]);
    const ya = (await a.run({ [a.inputNames[0]!]: x }))[a.outputNames[0]!]!.data as Float32Array;
    const yb = (await b.run({ [b.inputNames[0]!]: x }))[b.outputNames[0]!]!.data as Float32Array;
    expect(yb.length).toBe(ya.length);
    let maxDiff = 0;
    for (let i = 0; i < ya.length; i++) maxDiff = Math.max(maxDiff, Math.abs(ya[i]! - yb[i]!));
    expect(maxDiff).toBeLessThan(1e-4);
    await Promise.all([a.release(), b.release()]);
  }, 60_000);

  it("leaves a model without the patterns byte for byte", () => {
    // ModelProto { ir_version: 8, graph: { node: [Relu x→y] } }
    const node = Uint8Array.from([0x0a, 1, 0x78, 0x12, 1, 0x79, 0x22, 4, 0x52, 0x65, 0x6c, 0x75]);
    const graph = Uint8Array.from([0x0a, node.length, ...node]);
    const model = Uint8Array.from([0x08, 8, 0x3a, graph.length, ...graph]);
    const out = fuseActivations(model);
    expect(out.stats).toEqual({ hardSwish: 0, affineIntoConv: 0, scaleIntoConv: 0 });
    expect([...out.model]).toEqual([...model]);
  });
});
