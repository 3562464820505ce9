import { describe, expect, it } from "vitest";
import { countBy, median, quantile, secondsBetween } from "./stats.ts";

describe("quantile", () => {
  it.each([
    { xs: [], q: 0.5, want: null },
    { xs: [7], q: 0.9, want: 7 },
    { xs: [3, 1, 2], q: 0.5, want: 2 },
    { xs: [1, 2, 3, 4], q: 0.5, want: 2.5 },
    { xs: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], q: 0.9, want: 9.1 },
    { xs: [1, Number.NaN, 3], q: 0.5, want: 2 },
  ])("$xs at $q → $want", ({ xs, q, want }) => {
    const got = quantile(xs, q);
    if (want === null) expect(got).toBeNull();
    else expect(got).toBeCloseTo(want, 9);
  });

  it("median is the 0.5 quantile", () => expect(median([5, 1, 9])).toBe(5));
});

describe("countBy / secondsBetween", () => {
  it("skips null keys", () => expect(countBy(["a", null, "a", "b"], (x) => x)).toEqual({ a: 2, b: 1 }));
  it("is null when a time is missing", () => {
    expect(secondsBetween(null, "2026-01-01T00:00:01Z")).toBeNull();
    expect(secondsBetween("2026-01-01T00:00:00Z", "2026-01-01T00:00:02.5Z")).toBe(2.5);
  });
});
