import { DEFAULT_THRESHOLDS } from "@headroom/protocol";
import { describe, expect, it } from "vitest";
import { MAX_BUCKETS, MEMORY_RANGES_MS, bucketCount, bucketStartMs, bucketWidthMs, chartWindow, thresholdLines, timeTicks } from "./memory-buckets";

describe("bucketWidthMs", () => {
  it.each([
    ["live (2 min)", MEMORY_RANGES_MS.live, 500],
    ["15 min", MEMORY_RANGES_MS["15m"], 5_000],
    ["1 h", MEMORY_RANGES_MS["1h"], 15_000],
    ["24 h", MEMORY_RANGES_MS["24h"], 5 * 60_000],
    ["7 d", MEMORY_RANGES_MS["7d"], 3_600_000],
    ["a 3 s job plus margins", 63_000, 250],
    ["tiny", 10, 250],
    ["a year falls back to whole days", 365 * 86_400_000, 2 * 86_400_000],
  ])("%s", (_name, rangeMs, want) => {
    expect(bucketWidthMs(rangeMs)).toBe(want);
  });

  it("never exceeds the bucket budget for any range", () => {
    for (let rangeMs = 1_000; rangeMs < 30 * 86_400_000; rangeMs = Math.ceil(rangeMs * 1.37)) {
      const w = chartWindow(1_900_000_000_123, rangeMs);
      expect(bucketCount(w.fromMs, w.toMs, w.bucketMs)).toBeLessThanOrEqual(MAX_BUCKETS + 1);
    }
  });
});

describe("bucket alignment", () => {
  it("aligns to the epoch, like date_bin with origin 1970-01-01", () => {
    expect(bucketStartMs(Date.parse("2030-01-01T10:07:59.999Z"), 5 * 60_000)).toBe(Date.parse("2030-01-01T10:05:00Z"));
    expect(bucketStartMs(Date.parse("2030-01-01T10:05:00Z"), 5 * 60_000)).toBe(Date.parse("2030-01-01T10:05:00Z"));
    expect(bucketStartMs(1_250, 500)).toBe(1_000);
  });

  it("starts a window on a bucket boundary and covers the whole range", () => {
    const now = Date.parse("2030-01-01T10:07:31.400Z");
    const w = chartWindow(now, MEMORY_RANGES_MS["1h"]);
    expect(w).toEqual({ fromMs: Date.parse("2030-01-01T09:07:30Z"), toMs: now, bucketMs: 15_000 });
    expect(bucketCount(w.fromMs, w.toMs, w.bucketMs)).toBe(241);
    expect(bucketCount(10, 5, 1)).toBe(0);
  });
});

describe("thresholdLines", () => {
  it("turns percentages of total into MiB", () => {
    const lines = thresholdLines(DEFAULT_THRESHOLDS, 80_000);
    // Cap and alert are both 90 % by default: one line, one label.
    expect(lines.map((l) => [l.label, l.mib])).toEqual([["admission", 76_000], ["cap / alert", 72_000], ["cleanup", 64_000], ["sweep", 56_000]]);
    expect(thresholdLines({ ...DEFAULT_THRESHOLDS, alertAbovePct: 85 }, 1_000).map((l) => l.key)).toEqual(["admission", "cap", "alert", "cleanup", "sweep"]);
  });

  it("spaces time ticks evenly", () => {
    expect(timeTicks(0, 1_000, 5)).toEqual([0, 250, 500, 750, 1_000]);
    expect(timeTicks(5, 5)).toEqual([5]);
  });
});
