import type { TMemoryReading } from "@headroom/protocol";
import { describe, expect, it } from "vitest";
import { applyMemoryBudget, BudgetedMemoryReader } from "./memory-budget.ts";
import { admit, overCap, shouldCleanupAfterJob, usagePct } from "./memory-rules.ts";
import { DEFAULT_THRESHOLDS } from "@headroom/protocol";

// An 80 GiB card (H100) in MiB; the driver keeps ~600 MiB that is neither used nor free.
const H100 = 81920;
const reading = (usedMiB: number, totalMiB = H100, freeMiB = totalMiB - usedMiB - 600): TMemoryReading => ({
  usedMiB, totalMiB, freeMiB, processMiB: 100, utilPct: 5, source: "nvidia-smi",
});

describe("applyMemoryBudget", () => {
  it.each<[string, TMemoryReading, number, { usedMiB: number; totalMiB: number; freeMiB: number }]>([
    ["no budget: the reading as measured", reading(1000), 0, { usedMiB: 1000, totalMiB: H100, freeMiB: H100 - 1600 }],
    ["a budget above the device: the device", reading(1000), 200_000, { usedMiB: 1000, totalMiB: H100, freeMiB: H100 - 1600 }],
    ["a budget equal to the device: the device", reading(1000), H100, { usedMiB: 1000, totalMiB: H100, freeMiB: H100 - 1600 }],
    ["2 GiB of an idle card", reading(0), 2048, { usedMiB: 0, totalMiB: 2048, freeMiB: 2048 }],
    ["2 GiB with 1.5 GiB used", reading(1536), 2048, { usedMiB: 1536, totalMiB: 2048, freeMiB: 512 }],
    ["used past the budget: nothing free, usage over 100 %", reading(3000), 2048, { usedMiB: 3000, totalMiB: 2048, freeMiB: 0 }],
    ["exactly at the budget", reading(2048), 2048, { usedMiB: 2048, totalMiB: 2048, freeMiB: 0 }],
    ["a nearly full small card: the device's own free is lower", reading(1500, 2200, 100), 2048, { usedMiB: 1500, totalMiB: 2048, freeMiB: 100 }],
    ["a CPU node's 4 GiB host budget under a 1 GiB memory budget", { ...reading(512, 4096, 3584), source: "host" }, 1024, { usedMiB: 512, totalMiB: 1024, freeMiB: 512 }],
  ])("%s", (_name, r, budgetMiB, expected) => {
    const out = applyMemoryBudget(r, budgetMiB);
    expect({ usedMiB: out.usedMiB, totalMiB: out.totalMiB, freeMiB: out.freeMiB }).toEqual(expected);
    // Everything else passes through untouched.
    expect({ ...out, totalMiB: r.totalMiB, freeMiB: r.freeMiB }).toEqual(r);
  });

  it("returns the same object when the budget changes nothing", () => {
    const r = reading(1000);
    expect(applyMemoryBudget(r, 0)).toBe(r);
    expect(applyMemoryBudget(r, H100 + 1)).toBe(r);
  });

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
