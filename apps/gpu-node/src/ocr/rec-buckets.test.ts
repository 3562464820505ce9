import { describe, expect, it } from "vitest";
import { recBatchLines, recBucketWidthPx, recBucketWidthsUpTo } from "./rec-buckets.ts";

describe("recBucketWidthPx", () => {
  it.each([
    [1, 80], [80, 80], [81, 160], [639.2, 640], [640, 640], [641, 800], [1280, 1280], [1281, 1600], [2561, 3200], [4000, 4480],
  ])("a line %d px wide pads to %d", (w, bucket) => {
    expect(recBucketWidthPx(w)).toBe(bucket);
  });
  it("never pads below the minimum width", () => {
    expect(recBucketWidthPx(10, 320)).toBe(320);
    expect(recBucketWidthPx(330, 320)).toBe(400);
  });
  it("depends on the line's own width alone, and never narrows it", () => {
    for (let w = 1; w < 5000; w += 7) expect(recBucketWidthPx(w)).toBeGreaterThanOrEqual(w);
  });
  it("lists the buckets up to a width", () => {
    expect(recBucketWidthsUpTo(1280)).toEqual([80, 160, 240, 320, 400, 480, 560, 640, 800, 960, 1120, 1280]);
  });
});

describe("recBatchLines", () => {
  it("caps by lines and by padded columns, at least one line", () => {
    expect(recBatchLines(320, 64, 40_960)).toBe(64);
    expect(recBatchLines(1280, 64, 40_960)).toBe(32);
    expect(recBatchLines(80, 16, 1280)).toBe(16);
    expect(recBatchLines(3200, 64, 1280)).toBe(1);
  });
});
