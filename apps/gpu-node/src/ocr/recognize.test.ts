import { describe, expect, it } from "vitest";
import { planBatches } from "./recognize.ts";

describe("planBatches", () => {
  it("cuts by line count and by padded columns", () => {
    expect(planBatches([10, 20, 30, 40, 50], 0, 2, 1e9)).toEqual([[0, 2], [2, 4], [4, 5]]);
    // 3 × 30 = 90 ≤ 100, 4 × 40 > 100.
    expect(planBatches([10, 20, 30, 40, 50], 0, 16, 100)).toEqual([[0, 3], [3, 5]]);
    // A line wider than the budget still gets its own batch.
    expect(planBatches([10, 500, 600], 0, 16, 100)).toEqual([[0, 1], [1, 2], [2, 3]]);
    expect(planBatches([], 0, 8, 100)).toEqual([]);
  });
  it("counts the minimum width as padding", () => {
    expect(planBatches([10, 20, 30], 320, 16, 640)).toEqual([[0, 2], [2, 3]]);
  });
});
