import { describe, expect, it } from "vitest";
import { analyseSoak, fitLine, type TSoakSample } from "./analysis.ts";

/** A deterministic generator (LCG), so the noisy series are the same on every run. */
function noise(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1664525 + 1013904223) % 2 ** 32;
    return s / 2 ** 32 - 0.5;
  };
}

/** 120 samples over `jobs` jobs; `rss(jobsDone, i)` gives the one series' MiB. */
function series(jobs: number, rss: (j: number, i: number) => number, n = 120): TSoakSample[] {
  return Array.from({ length: n }, (_, i) => {
    const j = Math.round((jobs * i) / (n - 1));
    return { atMs: i * 15_000, jobsDone: j, rssMiB: { web0: rss(j, i) }, dbBytes: (50 + j * 0.01) * 1024 * 1024, load1: 2 };
  });
}

describe("fitLine", () => {
  it("recovers an exact line and gives NaN when x never changes", () => {
    expect(fitLine([0, 1, 2, 3], [1, 3, 5, 7])).toEqual({ slope: 2, intercept: 1 });
    expect(fitLine([4, 4, 4], [1, 2, 3]).slope).toBeNaN();
  });
});

describe("analyseSoak", () => {
  it("a flat series passes with a slope of zero", () => {
    const a = analyseSoak(series(2_000, () => 300));
    expect(a.trends[0]).toMatchObject({ name: "web0", verdict: "PASS", slopeMiBPer1kJobs: 0, pctPer1kJobs: 0, meanMiB: 300 });
    expect(a.verdict).toBe("PASS");
  });

  it("a leak of 30 MiB per 1,000 jobs on 300 MiB (about 9 % per 1,000) fails and is measured", () => {
    const a = analyseSoak(series(2_000, (j) => 300 + (30 * j) / 1000));
    const t = a.trends[0]!;
    expect(t.slopeMiBPer1kJobs).toBeCloseTo(30, 6);
    // Mean over jobs 200..2,000 is 300 + 30 × 1.1 = 333 MiB.
    expect(t.pctPer1kJobs).toBeCloseTo((30 / 333) * 100, 1);
    expect(t.verdict).toBe("FAIL");
    expect(a.verdict).toBe("FAIL");
  });

  it("growth during warm-up only is a plateau, not a leak", () => {
    // Fills up to 400 MiB over the first 10 % of jobs, then stays.
    const a = analyseSoak(series(2_000, (j) => Math.min(400, 200 + j)));
    expect(a.warmupJobs).toBe(200);
    expect(a.trends[0]!.verdict).toBe("PASS");
    expect(Math.abs(a.trends[0]!.pctPer1kJobs)).toBeLessThan(0.01);
  });

  it("noise of ±20 MiB around a flat 300 MiB passes; the same noise over a leak still fails", () => {
    const r1 = noise(7);
    const noisyFlat = analyseSoak(series(2_000, () => 300 + 40 * r1()));
    expect(noisyFlat.trends[0]!.verdict).toBe("PASS");
    expect(Math.abs(noisyFlat.trends[0]!.pctPer1kJobs)).toBeLessThan(2);
    const r2 = noise(11);
    const noisyLeak = analyseSoak(series(2_000, (j) => 300 + (45 * j) / 1000 + 40 * r2()));
    expect(noisyLeak.trends[0]!.verdict).toBe("FAIL");
    expect(noisyLeak.trends[0]!.slopeMiBPer1kJobs).toBeGreaterThan(35);
    expect(noisyLeak.trends[0]!.slopeMiBPer1kJobs).toBeLessThan(55);
  });

  it("a series with missing readings is fitted on the readings it has", () => {
    const s = series(2_000, (j) => 300 + (30 * j) / 1000).map((x, i) => (i % 3 === 0 ? { ...x, rssMiB: { web0: null } } : x));
    expect(analyseSoak(s).trends[0]!.slopeMiBPer1kJobs).toBeCloseTo(30, 6);
  });

  it("too few jobs after warm-up is not judged either way", () => {
    const a = analyseSoak(series(40, (j) => 300 + j));
    expect(a.trends[0]!.verdict).toBe("TOO_FEW_JOBS");
    expect(a.verdict).toBe("TOO_FEW_JOBS");
  });

  it("fits the database's growth per 1,000 jobs", () => {
    expect(analyseSoak(series(2_000, () => 300)).dbMiBPer1kJobs).toBeCloseTo(10, 6);
  });
});
