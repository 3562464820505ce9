import { DEFAULT_THRESHOLDS } from "@headroom/protocol";
import { describe, expect, it } from "vitest";
import { effectiveThresholds } from "./thresholds.ts";

describe("effectiveThresholds", () => {
  it("defaults without rows", () => expect(effectiveThresholds(null, null)).toEqual(DEFAULT_THRESHOLDS));
  it("node override beats fleet; null means inherit", () => {
    const t = effectiveThresholds({ ...DEFAULT_THRESHOLDS, cleanupAbovePct: 60, memoryCapPct: 85 }, { cleanupAbovePct: 50, memoryCapPct: null });
    expect(t.cleanupAbovePct).toBe(50);
    expect(t.memoryCapPct).toBe(85);
  });
});
