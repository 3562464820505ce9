import { describe, expect, it } from "vitest";
import { TokenBucketLimiter } from "./rate-limit";

describe("TokenBucketLimiter", () => {
  it("allows a burst up to capacity, then refuses with a retry time", () => {
    const l = new TokenBucketLimiter({ capacity: 10, refillMs: 60_000 });
    for (let i = 0; i < 10; i++) expect(l.take("a", 1000).ok).toBe(true);
    const d = l.take("a", 1000);
    expect(d).toEqual({ ok: false, retryAfterMs: 6000 });
  });

  it("refills at capacity per refill period", () => {
    const l = new TokenBucketLimiter({ capacity: 10, refillMs: 60_000 });
    for (let i = 0; i < 10; i++) l.take("a", 0);
    expect(l.take("a", 5_999).ok).toBe(false);
    expect(l.take("a", 6_000).ok).toBe(true);
    expect(l.take("a", 6_000).ok).toBe(false);
    // A long pause refills to capacity, never beyond.
    for (let i = 0; i < 10; i++) expect(l.take("a", 1_000_000).ok).toBe(true);
    expect(l.take("a", 1_000_000).ok).toBe(false);
  });

  it("keeps keys apart", () => {
    const l = new TokenBucketLimiter({ capacity: 1, refillMs: 60_000 });
    expect(l.take("a", 0).ok).toBe(true);
    expect(l.take("a", 0).ok).toBe(false);
    expect(l.take("b", 0).ok).toBe(true);
  });

  it("reset forgets a key", () => {
    const l = new TokenBucketLimiter({ capacity: 1, refillMs: 60_000 });
    l.take("a", 0);
    l.reset("a");
    expect(l.take("a", 0).ok).toBe(true);
  });

  it("refusals do not consume tokens", () => {
    const l = new TokenBucketLimiter({ capacity: 2, refillMs: 2_000 });
    l.take("a", 0);
    l.take("a", 0);
    for (let i = 0; i < 5; i++) expect(l.take("a", 0).ok).toBe(false);
    expect(l.take("a", 1_000).ok).toBe(true);
  });

  it("prunes idle buckets", () => {
    const l = new TokenBucketLimiter({ capacity: 1, refillMs: 1_000 });
    for (let i = 0; i < 50; i++) l.take(`k${i}`, 1_000);
    expect(l.size).toBe(50);
    l.take("late", 3_000);
    expect(l.size).toBe(1);
  });
});
