import { applyMemoryBudget, usagePct } from "@headroom/policy";
import { DEFAULT_THRESHOLDS, type TMemoryReading } from "@headroom/protocol";
import { describe, expect, it } from "vitest";
import { BudgetedMemoryReader } from "./memory-budget.ts";
import { admit, overCap, shouldCleanupAfterJob } from "./memory-rules.ts";

// An 80 GiB card (H100) in MiB; the driver keeps ~600 MiB that is neither used nor free.
const H100 = 81920;
const reading = (usedMiB: number, totalMiB = H100, freeMiB = totalMiB - usedMiB - 600): TMemoryReading => ({
  usedMiB, totalMiB, freeMiB, processMiB: 100, utilPct: 5, source: "nvidia-smi",
});

describe("the rules under a budget", () => {
  it("makes the percentage rules fire on the budget: 1.9 GiB used of an 80 GiB card under 2 GiB", () => {
    const physical = reading(1946); // 2.4 % of the card, 95 % of 2 GiB
    expect(admit(physical, DEFAULT_THRESHOLDS)).toEqual({ ok: true });
    const budgeted = applyMemoryBudget(physical, 2048);
    expect(usagePct(budgeted)).toBeCloseTo(95.02, 1);
    expect(admit(budgeted, DEFAULT_THRESHOLDS)).toMatchObject({ ok: false, reason: expect.stringMatching(/above the admission limit/) });
    expect(overCap(budgeted, DEFAULT_THRESHOLDS)).toBe(true);
    expect(shouldCleanupAfterJob(budgeted, DEFAULT_THRESHOLDS)).toBe(true);
  });
});

describe("BudgetedMemoryReader", () => {
  it("budgets each read with the budget in force at that moment and keeps the physical reading", async () => {
    let budgetMiB = 0;
    const device = { read: async () => reading(1000) };
    const reader = new BudgetedMemoryReader(device, () => budgetMiB);
    expect((await reader.read()).totalMiB).toBe(H100);
    budgetMiB = 2048;
    expect(await reader.read()).toMatchObject({ usedMiB: 1000, totalMiB: 2048, freeMiB: 1048 });
    expect(reader.lastPhysical).toEqual(reading(1000));
  });
});
