import { describe, expect, it } from "vitest";
import { retryDelayMs } from "./backoff.ts";

describe("retryDelayMs", () => {
  it.each([
    [1, 0, 500],
    [1, 1, 1_000],
    [2, 1, 2_000],
    [3, 0.5, 3_000],
    [20, 1, 60_000],
  ])("attempt %i, random %f → %i ms", (attempt, r, ms) => {
    expect(retryDelayMs(attempt, { random: () => r })).toBe(ms);
  });
});
