import { DEFAULT_THRESHOLDS, type TThresholds } from "@headroom/protocol";
import { describe, expect, it } from "vitest";
import {
  admissionFailure,
  applyMemoryBudget,
  budgetedTotalMiB,
  capMiB,
  effectiveLimitMiB,
  minFreeLimitMiB,
  reclaimHeadroomMiB,
  usageAbove,
  usableMiB,
  usagePct,
  type TMemoryReadingMiB,
} from "./memory.ts";

const T = DEFAULT_THRESHOLDS;
const with_ = (o: Partial<TThresholds>): TThresholds => ({ ...T, ...o });
// An 80 GiB card (H100) in MiB; the driver keeps ~600 MiB that is neither used nor free.
const H100 = 81_920;

describe("usagePct", () => {
  it.each([
    [{ usedMiB: 0, totalMiB: 100 }, 0],
    [{ usedMiB: 50, totalMiB: 200 }, 25],
    [{ usedMiB: 100, totalMiB: 100 }, 100],
    [{ usedMiB: 3_000, totalMiB: 2_000 }, 150], // used past a budget
    [{ usedMiB: 10, totalMiB: 0 }, 100], // no total: full
    [{ usedMiB: 0, totalMiB: 0 }, 100],
  ])("%o → %d %%", (m, expected) => expect(usagePct(m)).toBe(expected));
});

describe("usageAbove", () => {
  it.each<[number, number, number, boolean]>([
    [800, 1_000, 80, false], // exactly at: not above
    [801, 1_000, 80, true],
    [0, 1_000, 0, false],
    [1, 1_000, 0, true],
    [0, 0, 99, true], // no total counts as full
    [0, 0, 100, false],
  ])("%i of %i MiB above %i %% → %s", (usedMiB, totalMiB, pct, expected) => expect(usageAbove({ usedMiB, totalMiB }, pct)).toBe(expected));
});

describe("admissionFailure", () => {
  const r = (usedMiB: number, freeMiB: number, totalMiB = 10_000): TMemoryReadingMiB => ({ usedMiB, totalMiB, freeMiB });
  it.each<[string, TMemoryReadingMiB, Partial<TThresholds>, "usage" | "free" | null]>([
    ["idle", r(0, 10_000), {}, null],
    ["exactly 95 %, 500 MiB free", r(9_500, 500), {}, null],
    ["just above 95 %", r(9_501, 499), {}, "usage"],
    ["under 95 % but 499 MiB free (the driver holds the rest)", r(9_000, 499), {}, "free"],
    ["usage is checked first", r(9_900, 0), {}, "usage"],
    ["a small card: 90 % used leaves under 500 MiB", r(3_600, 400, 4_000), {}, "free"],
    ["no minimum free", r(9_000, 0), { admissionMinFreeMiB: 0 }, null],
    ["a zero total refuses", r(0, 0, 0), {}, "usage"],
  ])("%s", (_name, m, o, expected) => expect(admissionFailure(m, with_(o))).toBe(expected));
});

describe("capMiB, minFreeLimitMiB, effectiveLimitMiB, usableMiB", () => {
  it.each<[string, number, Partial<TThresholds>, { cap: number; minFree: number; effective: number; usable: number }]>([
    // cap 90 % of 10,000 = 9,000; total − 500 = 9,500 → the cap binds
    ["10,000 MiB: the cap binds", 10_000, {}, { cap: 9_000, minFree: 9_500, effective: 9_000, usable: 9_000 }],
    // cap 90 % of 4,000 = 3,600; total − 500 = 3,500 → min free binds
    ["4,000 MiB: min free binds", 4_000, {}, { cap: 3_600, minFree: 3_500, effective: 3_500, usable: 3_500 }],
    // The fleet run's 2,048 MiB budget: min(1,843, 1,548)
    ["a 2,048 MiB budget", 2_048, {}, { cap: 1_843, minFree: 1_548, effective: 1_548, usable: 1_548 }],
    ["80,000 MiB", 80_000, {}, { cap: 72_000, minFree: 79_500, effective: 72_000, usable: 72_000 }],
    ["the cap rounds down", 1_001, { admissionMinFreeMiB: 0 }, { cap: 900, minFree: 1_001, effective: 900, usable: 900 }],
    [
      "admission's usage limit binds the usable limit only",
      10_000,
      { memoryCapPct: 100, admissionMaxUsagePct: 80, admissionMinFreeMiB: 0 },
      { cap: 10_000, minFree: 10_000, effective: 10_000, usable: 8_000 },
    ],
    ["a minimum free larger than the card", 400, {}, { cap: 360, minFree: -100, effective: -100, usable: -100 }],
  ])("%s", (_name, total, o, expected) => {
    const t = with_(o);
    expect({ cap: capMiB(total, t), minFree: minFreeLimitMiB(total, t), effective: effectiveLimitMiB(total, t), usable: usableMiB(total, t) }).toEqual(expected);
  });

  it("the cap in MiB and the cap in percent agree on every whole MiB", () => {
    for (const [total, pct] of [[10_000, 90], [1_001, 90], [2_048, 90], [81_559, 87.5], [3, 33]] as const) {
      const t = with_({ memoryCapPct: pct });
      for (let used = 0; used <= total; used++) expect(used > capMiB(total, t), `${used}/${total} at ${pct} %`).toBe(usageAbove({ usedMiB: used, totalMiB: total }, pct));
    }
  });
});

describe("reclaimHeadroomMiB", () => {
  it("is usable − used, negative past the limit", () => {
    const usable = usableMiB(H100, T);
    expect(reclaimHeadroomMiB({ totalMiB: H100, usedMiB: 10_000 }, T)).toBe(usable - 10_000);
    expect(reclaimHeadroomMiB({ totalMiB: H100, usedMiB: usable + 5 }, T)).toBe(-5);
  });
});

describe("budgetedTotalMiB", () => {
  it.each([
    [H100, 0, H100], // no budget
    [H100, 2_048, 2_048],
    [H100, H100, H100],
    [2_048, 4_096, 2_048], // a budget above the device: the device
  ])("%i MiB under a %i MiB budget → %i MiB", (physical, budget, expected) => expect(budgetedTotalMiB(physical, budget)).toBe(expected));
});

describe("applyMemoryBudget", () => {
  const reading = (usedMiB: number, totalMiB = H100, freeMiB = totalMiB - usedMiB - 600) => ({ usedMiB, totalMiB, freeMiB, processMiB: 100, source: "nvidia-smi" });
  it.each<[string, ReturnType<typeof reading>, number, TMemoryReadingMiB]>([
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
});
