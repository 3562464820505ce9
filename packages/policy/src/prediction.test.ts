import { describe, expect, it } from "vitest";
import { fitPeakModel, MIN_OBSERVATIONS, predictPeakMiB, PRIOR_BASE_MIB, type TPeakObservation } from "./prediction.ts";

// A deterministic "noisy" series: truth = 60 MiB + 30 MiB/MP, noise within ±10 MiB.
const noise = (i: number) => ((i * 7919) % 21) - 10;
const observe = (count: number): TPeakObservation[] =>
  Array.from({ length: count }, (_, i) => {
    const megapixels = 0.5 + ((i * 37) % 120) / 10;
    return { megapixels, deltaMiB: 60 + 30 * megapixels + noise(i) };
  });

describe("fitPeakModel", () => {
  it("does not trust fewer than the minimum observations", () => {
    expect(fitPeakModel(observe(MIN_OBSERVATIONS - 1))).toBeNull();
  });

  it("recovers the line and the noise", () => {
    const m = fitPeakModel(observe(500))!;
    expect(m.mibPerMegapixel).toBeCloseTo(30, 0);
    expect(m.baseMiB).toBeGreaterThan(55);
    expect(m.baseMiB).toBeLessThan(65);
    expect(m.residualSdMiB).toBeGreaterThan(4);
    expect(m.residualSdMiB).toBeLessThan(8);
  });

  it("never learns a negative slope, and handles one size only", () => {
    expect(fitPeakModel(Array.from({ length: 30 }, (_, i) => ({ megapixels: 1 + i, deltaMiB: 500 - i })))!.mibPerMegapixel).toBe(0);
    expect(fitPeakModel(Array.from({ length: 30 }, () => ({ megapixels: 2, deltaMiB: 100 })))).toMatchObject({ mibPerMegapixel: 0, baseMiB: 100 });
  });

  it("prediction error shrinks as history grows, and covers about 95 % of observations", () => {
    const truth = (mp: number) => 60 + 30 * mp;
    const probe = [0.5, 2, 6, 12].map((mp) => ({ widthPx: Math.round(mp * 1000), heightPx: 1000, pages: 1 }));
    const meanAbsError = (history: number) => {
      const model = fitPeakModel(observe(history));
      return probe.reduce((a, j) => a + Math.abs(predictPeakMiB(j, model) - truth(j.widthPx / 1000)), 0) / probe.length;
    };
    const prior = meanAbsError(0);
    const small = meanAbsError(25);
    const large = meanAbsError(1000);
    // The fitted prediction carries a safety factor, so its error settles near that margin.
    expect(small).toBeLessThan(prior);
    expect(large).toBeLessThan(prior / 3);
    const m = fitPeakModel(observe(1000))!;
    const under = observe(1000).filter((o) => predictPeakMiB({ widthPx: o.megapixels * 1e3, heightPx: 1e3, pages: 1 }, m) < o.deltaMiB);
    expect(under.length / 1000).toBeLessThanOrEqual(0.06);
  });

  it("does not stretch a slope fitted on small jobs to large ones: past the largest job seen, the prior's slope", () => {
    // Receipt crops of 0.02–0.1 MP whose memory is mostly noise: a steep, meaningless slope.
    const crops = Array.from({ length: 40 }, (_, i) => ({ megapixels: 0.02 + (i % 9) * 0.01, deltaMiB: 150 + ((i * 7919) % 41) * 3 + (i % 9) * 40 }));
    const m = fitPeakModel(crops)!;
    expect(m.maxMegapixels).toBeCloseTo(0.1, 5);
    expect(m.mibPerMegapixel).toBeGreaterThan(1000);
    const crop = { widthPx: 100, heightPx: 1000, pages: 1 };
    const a4 = { widthPx: null, heightPx: null, pages: 4 }; // unknown size: an A4 page at 300 DPI, 8.7 MP
    const atMax = predictPeakMiB(crop, m);
    expect(predictPeakMiB(a4, m)).toBe(Math.ceil(Math.max(16, m.baseMiB + m.mibPerMegapixel * 0.1) * m.marginFactor + 48 * (8.69984 - 0.1)));
    // Extrapolating the fit instead would ask for more than an 8 GiB CPU budget.
    expect(Math.ceil((m.baseMiB + m.mibPerMegapixel * 8.69984) * m.marginFactor)).toBeGreaterThan(8192);
    expect(predictPeakMiB(a4, m)).toBeLessThan(atMax + 48 * 8.7);
  });

  it("uses the prior without a model", () => {
    expect(predictPeakMiB({ widthPx: 1000, heightPx: 1000, pages: 1 })).toBe(PRIOR_BASE_MIB + 48);
  });
});
