import { DEFAULT_THRESHOLDS as T, type TThresholds } from "@headroom/protocol";
import { describe, expect, it } from "vitest";
import {
  admit,
  afterCleanup,
  countBatchImages,
  NO_BATCH,
  overCap,
  pendingGrowthMiB,
  RECLAIM_MIN_INTERVAL_MS,
  shouldBatchCleanup,
  shouldCleanupAfterJob,
  shouldReclaim,
  shouldSweep,
  type TBatchCount,
  type TReclaimState,
  type TRuleReading,
} from "./memory-rules.ts";

// An 80 GiB card (H100) in MiB, so percentages read easily: 1 % = 819.2 MiB.
const TOTAL = 81920;
const at = (usedPctOfTotal: number, freeMiB?: number): TRuleReading => {
  const usedMiB = Math.round((TOTAL * usedPctOfTotal) / 100);
  return { usedMiB, totalMiB: TOTAL, freeMiB: freeMiB ?? TOTAL - usedMiB };
};

describe("admit", () => {
  it.each<[string, TRuleReading, Partial<TThresholds>, boolean, RegExp | null]>([
    ["idle card", at(0), {}, true, null],
    ["exactly at the max usage is still allowed", at(95), {}, true, null],
    ["just above the max usage", at(95.1), {}, false, /usage 95\.1 % is above the admission limit of 95\.0 %/],
    ["full card", at(100, 0), {}, false, /above the admission limit/],
    ["low usage but too little free (driver reserve, other tenants)", at(10, 499), {}, false, /free memory 499 MiB is below the admission floor of 500 MiB/],
    ["free exactly at the floor", at(10, 500), {}, true, null],
    ["small card: 90 % used leaves 400 MiB", { usedMiB: 3600, totalMiB: 4000, freeMiB: 400 }, {}, false, /below the admission floor/],
    ["tuned: max usage 50 %", at(60), { admissionMaxUsagePct: 50 }, false, /limit of 50\.0 %/],
    ["tuned: floor 0", at(10, 0), { admissionMinFreeMiB: 0 }, true, null],
    ["zero total never admits", { usedMiB: 0, totalMiB: 0, freeMiB: 0 }, {}, false, /usage 100\.0 %/],
  ])("%s", (_name, reading, overrides, ok, reason) => {
    const d = admit(reading, { ...T, ...overrides });
    expect(d.ok).toBe(ok);
    if (!d.ok && reason) expect(d.reason).toMatch(reason);
  });
});

describe("admit with what the jobs in flight may still grow", () => {
  // Run 13's case: a 2,560 MiB budget, 2,030 MiB used with three fresh runners, jobs growing ~370 MiB.
  const budget = { usedMiB: 2030, totalMiB: 2560, freeMiB: 530 };

  it("alone, the reading admits; with another job in flight that may grow 370 MiB, it refuses and says why", () => {
    expect(admit(budget, T)).toEqual({ ok: true });
    expect(admit(budget, T, 0)).toEqual({ ok: true });
    const d = admit(budget, T, 370);
    expect(d).toEqual({ ok: false, reason: "free memory 160 MiB is below the admission floor of 500 MiB (counting 370 MiB that the jobs in flight may still grow)" });
  });

  it("pending growth also counts towards the usage limit; a negative one counts as none", () => {
    // Free memory held apart from usage here (other tenants, a budget), so only the usage limit decides.
    expect(admit({ usedMiB: 3700, totalMiB: 4000, freeMiB: 3000 }, T, 200)).toMatchObject({ ok: false, reason: expect.stringMatching(/usage 97\.5 % is above the admission limit of 95\.0 % \(counting 200 MiB/) });
    expect(admit(budget, T, -500)).toEqual({ ok: true });
  });
});

describe("pendingGrowthMiB", () => {
  it.each<[string, number, number[], number]>([
    ["no other job in flight", 0, [300, 370], 0],
    ["nothing remembered yet", 2, [], 0],
    ["each other job counts the largest recent growth", 2, [120, 370, 200], 740],
    ["growths never count below zero", 1, [0], 0],
  ])("%s", (_name, others, growths, expected) => {
    expect(pendingGrowthMiB(others, growths)).toBe(expected);
  });
});

describe("shouldCleanupAfterJob", () => {
  it.each<[TRuleReading, Partial<TThresholds>, boolean]>([
    [at(0), {}, false],
    [at(80), {}, false],
    [at(80.1), {}, true],
    [at(99), {}, true],
    [at(50), { cleanupAbovePct: 40 }, true],
    [at(0), { cleanupAbovePct: 0 }, false],
    [at(0.1), { cleanupAbovePct: 0 }, true],
  ])("%o with %o → %s", (r, o, expected) => expect(shouldCleanupAfterJob(r, { ...T, ...o })).toBe(expected));
});

describe("shouldBatchCleanup", () => {
  it.each<[number, Partial<TThresholds>, boolean]>([
    [0, {}, false],
    [4, {}, false],
    [5, {}, true],
    [6, {}, true],
    [1, { batchCleanupEvery: 1 }, true],
    [0, { batchCleanupEvery: 1 }, false],
    [9, { batchCleanupEvery: 10 }, false],
  ])("%d images with %o → %s", (n, o, expected) => expect(shouldBatchCleanup(n, { ...T, ...o })).toBe(expected));
});

describe("countBatchImages", () => {
  // Each job: [batchId, pages]; the expected count after each, and whether the batch rule (every 5) fires.
  type TJob = [string | null, number];
  it.each<[string, TJob[], number[], boolean[]]>([
    ["single images outside any batch never add up", [[null, 1], [null, 1], [null, 1], [null, 1], [null, 1], [null, 1]], [1, 1, 1, 1, 1, 1], [false, false, false, false, false, false]],
    ["five files of one upload", [["A", 1], ["A", 1], ["A", 1], ["A", 1], ["A", 1]], [1, 2, 3, 4, 5], [false, false, false, false, true]],
    ["a 7-page PDF alone is a batch of 7", [[null, 7]], [7], [true]],
    ["a 4-page PDF alone is not", [[null, 4]], [4], [false]],
    ["two 3-page PDFs of one upload", [["B", 3], ["B", 3]], [3, 6], [false, true]],
    ["two 3-page PDFs of different uploads", [["B", 3], ["C", 3]], [3, 3], [false, false]],
    ["two single-file 3-page PDFs", [[null, 3], [null, 3]], [3, 3], [false, false]],
    ["a job of another batch in between resets the count", [["A", 1], ["A", 1], ["A", 1], [null, 1], ["A", 1], ["A", 1]], [1, 2, 3, 1, 1, 2], [false, false, false, false, false, false]],
    ["a job reporting no pages counts as one image", [["A", 0], ["A", 0]], [1, 2], [false, false]],
  ])("%s", (_, jobs, counts, fires) => {
    let c: TBatchCount = NO_BATCH;
    const seen: number[] = [];
    const fired: boolean[] = [];
    for (const [batchId, pages] of jobs) {
      c = countBatchImages(c, { batchId, pages });
      seen.push(c.images);
      fired.push(shouldBatchCleanup(c.images, T));
    }
    expect(seen).toEqual(counts);
    expect(fired).toEqual(fires);
  });

  it("after a cleanup the batch counts on from zero: a batch of 12 is cleaned after its 5th and 10th image", () => {
    let c: TBatchCount = NO_BATCH;
    const cleanedAfter: number[] = [];
    for (let i = 1; i <= 12; i++) {
      c = countBatchImages(c, { batchId: "A", pages: 1 });
      if (shouldBatchCleanup(c.images, T)) {
        cleanedAfter.push(i);
        c = afterCleanup(c);
      }
    }
    expect(cleanedAfter).toEqual([5, 10]);
    expect(c).toEqual({ batchId: "A", images: 2 });
  });
});

describe("shouldSweep", () => {
  const FIVE_MIN_MS = 300_000;
  it.each<[string, TRuleReading, number, Partial<TThresholds>, boolean]>([
    ["interval passed, usage above", at(75), FIVE_MIN_MS, {}, true],
    ["interval not yet passed", at(75), FIVE_MIN_MS - 1, {}, false],
    ["interval passed, usage exactly at the threshold", at(70), FIVE_MIN_MS, {}, false],
    ["interval passed, usage low", at(20), 10 * FIVE_MIN_MS, {}, false],
    ["tuned interval 10 s", at(75), 10_000, { sweepIntervalS: 10 }, true],
    ["tuned threshold 10 %", at(20), FIVE_MIN_MS, { sweepAbovePct: 10 }, true],
  ])("%s", (_n, r, ms, o, expected) => expect(shouldSweep(r, { ...T, ...o }, ms)).toBe(expected));
});

describe("overCap", () => {
  it.each<[TRuleReading, Partial<TThresholds>, boolean]>([
    [at(89), {}, false],
    [at(90), {}, false],
    [at(90.5), {}, true],
    [at(100, 0), {}, true],
    [at(60), { memoryCapPct: 50 }, true],
  ])("%o with %o → %s", (r, o, expected) => expect(overCap(r, { ...T, ...o })).toBe(expected));
});

describe("shouldReclaim", () => {
  const asked = { reason: "a queued job needs 704 MiB", neededMiB: 704 };
  const idle: TReclaimState = { busy: false, cleaning: false, msSinceLastCleanup: 60_000 };
  it.each<[string, typeof asked | null | undefined, Partial<TReclaimState>, boolean]>([
    ["asked while idle", asked, {}, true],
    ["not asked (null)", null, {}, false],
    ["not asked (an older control plane leaves it out)", undefined, {}, false],
    ["running a job", asked, { busy: true }, false],
    ["a cleanup is under way", asked, { cleaning: true }, false],
    ["cleaned up a moment ago", asked, { msSinceLastCleanup: 2_000 }, false],
    ["just under the interval", asked, { msSinceLastCleanup: RECLAIM_MIN_INTERVAL_MS - 1 }, false],
    ["exactly the interval", asked, { msSinceLastCleanup: RECLAIM_MIN_INTERVAL_MS }, true],
  ])("%s", (_name, reclaim, over, expected) => expect(shouldReclaim(reclaim, { ...idle, ...over })).toBe(expected));

  it("takes a shorter interval", () => expect(shouldReclaim(asked, { ...idle, msSinceLastCleanup: 1_500 }, 1_000)).toBe(true));
});
