import { describe, expect, it } from "vitest";
import { boxesFromProbMap, connectedComponents, meanInsideQuad } from "./db-postprocess.ts";
import type { TPoint } from "./geometry.ts";

/** Probability map with filled rotated rectangles (centre, size, angle in degrees). */
function mapWith(w: number, h: number, rects: Array<{ c: TPoint; w: number; h: number; deg: number; p?: number }>): Float32Array {
  const m = new Float32Array(w * h);
  for (const r of rects) {
    const a = (r.deg * Math.PI) / 180;
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
      const dx = x - r.c[0], dy = y - r.c[1];
      const u = dx * Math.cos(a) + dy * Math.sin(a);
      const v = -dx * Math.sin(a) + dy * Math.cos(a);
      if (Math.abs(u) <= r.w / 2 && Math.abs(v) <= r.h / 2) m[y * w + x] = r.p ?? 0.9;
    }
  }
  return m;
}

describe("connectedComponents", () => {
  it("separates components and joins diagonal neighbours (8-connectivity)", () => {
    const w = 6, h = 4;
    const m = new Float32Array(w * h);
    for (const [x, y] of [[0, 0], [1, 1], [2, 2], [5, 0], [5, 1]] as const) m[y * w + x] = 1;
    const comps = connectedComponents(m, w, h, 0.3);
    expect(comps).toHaveLength(2);
    expect(comps[0]).toEqual([[0, 0], [1, 1], [2, 2]]);
    expect(comps[1]).toEqual([[5, 0], [5, 1]]);
  });
});

describe("meanInsideQuad", () => {
  it("averages only pixels inside the quad", () => {
    const m = mapWith(20, 20, [{ c: [10, 10], w: 9, h: 9, deg: 0, p: 1 }]);
    expect(meanInsideQuad(m, 20, 20, [[6, 6], [14, 6], [14, 14], [6, 14]])).toBeCloseTo(1);
    expect(meanInsideQuad(m, 20, 20, [[0, 6], [8, 6], [8, 14], [0, 14]])).toBeCloseTo(3 / 9);
  });
});

describe("boxesFromProbMap", () => {
  it("finds a rotated text kernel, unclips it, scales it to source pixels", () => {
    const m = mapWith(200, 100, [{ c: [100, 50], w: 120, h: 12, deg: 20 }]);
    const boxes = boxesFromProbMap(m, 200, 100, 400, 200);
    expect(boxes).toHaveLength(1);
    const [tl, tr, br, bl] = boxes[0]!.quad;
    const len = (a: TPoint, b: TPoint) => Math.hypot(a[0] - b[0], a[1] - b[1]);
    // Kernel ≈ 120 × 12 map px (pixel centres: ~119 × ~11); unclip distance ≈ 119·11·1.5/260 ≈ 7.5;
    // then ×2 to source pixels.
    expect(len(tl, tr) / 2).toBeGreaterThan(130);
    expect(len(tl, tr) / 2).toBeLessThan(138);
    expect(len(tl, bl) / 2).toBeGreaterThan(23);
    expect(len(tl, bl) / 2).toBeLessThan(30);
    const angle = (Math.atan2(tr[1] - tl[1], tr[0] - tl[0]) * 180) / Math.PI;
    expect(angle).toBeCloseTo(20, 0);
    expect((tl[0] + br[0]) / 2).toBeCloseTo(200, -1);
    expect((tl[1] + br[1]) / 2).toBeCloseTo(100, -1);
    expect(tl[1]).toBeLessThan(bl[1]);
    expect(boxes[0]!.score).toBeGreaterThan(0.6);
  });

  it("drops faint and tiny components", () => {
    const m = mapWith(100, 100, [
      { c: [30, 30], w: 40, h: 10, deg: 0, p: 0.5 }, // above thresh, below box score
      { c: [70, 70], w: 2, h: 2, deg: 0 }, // too small
      { c: [50, 85], w: 40, h: 8, deg: 0 },
    ]);
    const boxes = boxesFromProbMap(m, 100, 100, 100, 100);
    expect(boxes).toHaveLength(1);
    expect(boxes[0]!.quad[0][1]).toBeLessThan(85);
    expect(boxes[0]!.quad[2][1]).toBeGreaterThan(85);
  });
});
