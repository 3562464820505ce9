/**
 * Per-stage providers: each stage's order, the provider label, and a real per-stage load on the CPU.
 */
import { describe, expect, it } from "vitest";
import { renderPng } from "../../test-fixtures/render-text.ts";
import { createOcrEngine } from "./index.ts";
import { providerLabel, stageOrder } from "./sessions.ts";

describe("stageOrder", () => {
  it("puts a stage's preferred providers first, keeps only those the node allows, then the node's others", () => {
    expect(stageOrder(["cuda", "webgpu", "cpu"], ["cpu"])).toEqual(["cpu", "cuda", "webgpu"]);
    expect(stageOrder(["cuda", "webgpu", "cpu"], ["webgpu", "cpu"])).toEqual(["webgpu", "cpu", "cuda"]);
    expect(stageOrder(["cpu"], ["webgpu"])).toEqual(["cpu"]);
    expect(stageOrder(["cuda", "cpu"], undefined)).toEqual(["cuda", "cpu"]);
  });
});

describe("providerLabel", () => {
  it("names one provider when all stages share it, else each stage's", () => {
    expect(providerLabel({ det: "webgpu", cls: "webgpu", rec: "webgpu" })).toBe("webgpu");
    expect(providerLabel({ det: "webgpu", cls: "cpu", rec: "webgpu" })).toBe("det=webgpu,cls=cpu,rec=webgpu");
    expect(providerLabel({ det: "cpu", rec: "cpu" })).toBe("cpu");
  });
});

describe("createOcrEngine with stageProviders (real models, CPU)", { timeout: 60_000 }, () => {
  it("opens each stage on its own order, notes each try by stage, and reads text", async () => {
    // CUDA's libraries are not installed here (nor on the GPU hosts), so it fails and each stage moves on.
    const { engine, providerNotes } = await createOcrEngine({ providers: ["cuda", "cpu"], threads: 2, stageProviders: { det: ["cpu"] } });
    try {
      expect(engine.provider).toBe("cpu");
      expect(providerNotes).toEqual([
        { provider: "cpu", ok: true, stage: "det" },
        { provider: "cuda", ok: false, stage: "cls", reason: expect.any(String) },
        { provider: "cpu", ok: true, stage: "cls" },
        { provider: "cuda", ok: false, stage: "rec", reason: expect.any(String) },
        { provider: "cpu", ok: true, stage: "rec" },
      ]);
      const r = await engine.recognize(await renderPng([{ text: "Per stage providers 42", sizePx: 40 }]));
      expect(r.text).toBe("Per stage providers 42");
    } finally {
      await engine.release();
    }
  });

  it("orders that differ only in unknown providers load as one provider, with the usual notes", async () => {
    const { engine, providerNotes } = await createOcrEngine({ providers: ["bogus", "cpu"], threads: 2, stageProviders: { cls: ["cpu"] } });
    await engine.release();
    expect(providerNotes).toEqual([{ provider: "bogus", ok: false, reason: expect.stringContaining("unknown provider") }, { provider: "cpu", ok: true }]);
  });

  it("stageProviders: null keeps the one-provider-for-all behaviour and its notes", async () => {
    const { engine, providerNotes } = await createOcrEngine({ providers: ["cpu"], threads: 2, stageProviders: null });
    await engine.release();
    expect(providerNotes).toEqual([{ provider: "cpu", ok: true }]);
  });
});
