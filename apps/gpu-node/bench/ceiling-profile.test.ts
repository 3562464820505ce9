import { describe, expect, it } from "vitest";
import { summariseProfile, type TProfileEvent } from "./ceiling-profile.ts";
import { detRange, median, randomNchw, rowFor } from "./ceiling-loop.ts";
import { withExtras } from "./ceiling-sessions.ts";

const k = (ts: number, dur: number, op: string, provider = "WebGpuExecutionProvider"): TProfileEvent =>
  ({ cat: "Node", name: `${op}_${ts}_kernel_time`, ts, dur, args: { op_name: op, provider } });

describe("ORT profile summary", () => {
  it("counts only the last model run's kernels, grouped by op type", () => {
    const events: TProfileEvent[] = [
      { cat: "Session", name: "model_run", ts: 0, dur: 100 },
      k(10, 90, "Conv"), // warm-up run: ignored
      { cat: "Session", name: "model_run", ts: 1000, dur: 500 },
      k(1010, 300, "Conv"), k(1320, 100, "Conv"), k(1430, 50, "Shape", "CPUExecutionProvider"),
      { cat: "Node", name: "Conv_fence_before", ts: 1005, dur: 999, args: { op_name: "Conv" } },
    ];
    const s = summariseProfile(events);
    expect(s.runUs).toBe(500);
    expect(s.kernelUs).toBe(450);
    expect(s.top).toEqual([
      { op: "Conv", providers: ["WebGpu"], nodes: 2, totalUs: 400, share: 400 / 450 },
      { op: "Shape", providers: ["CPU"], nodes: 1, totalUs: 50, share: 50 / 450 },
    ]);
  });
});

describe("ceiling inputs and rows", () => {
  it("fills every value inside the channel's range and never zero", () => {
    const { lo, hi } = detRange([0.485, 0.456, 0.406], [0.229, 0.224, 0.225]);
    const t = randomNchw([2, 3, 4, 5], lo, hi, 7);
    for (let i = 0; i < t.length; i++) {
      const ch = Math.floor(i / 20) % 3;
      expect(t[i]).toBeGreaterThanOrEqual(lo[ch]!);
      expect(t[i]).toBeLessThan(hi[ch]!);
    }
    expect(t.every((v) => v !== 0)).toBe(true);
    expect(randomNchw([1, 3, 2, 2], lo, hi, 8)).not.toEqual(randomNchw([1, 3, 2, 2], lo, hi, 9));
  });
  it("derives per-line and column rates from the median", () => {
    expect(median([5, 1, 3, 100])).toBe(4);
    const r = rowFor("v", "rec", [64, 3, 48, 320], [100, 200, 300]);
    expect([r.medianMs, r.msPerItem, r.itemsPerS, r.columnsPerS]).toEqual([200, 200 / 64, 320, (64 * 320 * 1000) / 200]);
  });
});

describe("extra session options", () => {
  it("sets the WebGPU layout, graph capture and profiling without touching other providers", () => {
    const o = withExtras({ executionProviders: ["webgpu"], intraOpNumThreads: 4 }, { preferredLayout: "NHWC", enableGraphCapture: true }, "/tmp/p");
    expect(o).toEqual({
      executionProviders: [{ name: "webgpu", preferredLayout: "NHWC" }], intraOpNumThreads: 4,
      enableGraphCapture: true, enableProfiling: true, profileFilePrefix: "/tmp/p",
    });
    expect(withExtras({ executionProviders: ["cpu"] }, { preferredLayout: "NHWC" })).toEqual({ executionProviders: ["cpu"] });
  });
});
