import { describe, expect, it } from "vitest";
import { Backoff, sleep } from "./backoff.ts";

describe("Backoff", () => {
  it("doubles up to the cap, with jitter in ±20 %, and resets", () => {
    const mid = new Backoff(500, 4_000, () => 0.5);
    expect([1, 2, 3, 4, 5].map(() => mid.nextDelayMs())).toEqual([500, 1000, 2000, 4000, 4000]);
    mid.reset();
    expect(mid.nextDelayMs()).toBe(500);
    expect(new Backoff(1000, 10_000, () => 0).nextDelayMs()).toBe(800);
    expect(new Backoff(1000, 10_000, () => 1).nextDelayMs()).toBe(1200);
  });
});

describe("sleep", () => {
  it("ends early when aborted", async () => {
    const ac = new AbortController();
    const t0 = Date.now();
    setTimeout(() => ac.abort(), 20);
    await sleep(10_000, ac.signal);
    expect(Date.now() - t0).toBeLessThan(1_000);
  });
});
