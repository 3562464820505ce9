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
  it.each<[string, number | null | undefined, number | null | undefined, number]>([
    ["no rows: the whole device", undefined, undefined, 0],
    ["a fleet budget", 2048, null, 2048],
    ["a node budget over the fleet's", 2048, 4096, 4096],
    ["a node back to the whole device (0 is a value, not 'unset')", 2048, 0, 0],
    ["a node budget with no fleet row", undefined, 1024, 1024],
  ])("memoryBudgetMiB: %s", (_name, fleetBudget, nodeBudget, expected) => {
    const fleet = fleetBudget === undefined ? null : { ...DEFAULT_THRESHOLDS, memoryBudgetMiB: fleetBudget ?? 0 };
    const override = nodeBudget === undefined ? null : { memoryBudgetMiB: nodeBudget };
    expect(effectiveThresholds(fleet, override).memoryBudgetMiB).toBe(expected);
  });
});
