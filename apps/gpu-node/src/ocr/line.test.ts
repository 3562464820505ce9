import { describe, expect, it } from "vitest";
import type { TQuadPx } from "./geometry.ts";
import { padQuad, toTextLine } from "./line.ts";

describe("toTextLine", () => {
  const wide: TQuadPx = [[10, 10], [110, 10], [110, 30], [10, 30]];
  it("keeps wide boxes upright and pads the crop, not the reported box", () => {
    const l = toTextLine(wide, 0.1);
    expect(l.box).toBe(wide);
    expect(l.quad).toEqual([[8, 8], [112, 8], [112, 32], [8, 32]]);
    expect(l.aspect).toBeCloseTo(104 / 24);
  });
  it("turns tall boxes 90° counter-clockwise (top-right corner becomes the crop's top left)", () => {
    const tall: TQuadPx = [[10, 10], [30, 10], [30, 110], [10, 110]];
    const l = toTextLine(tall);
    expect(l.quad).toEqual([[30, 10], [30, 110], [10, 110], [10, 10]]);
    expect(l.aspect).toBe(5);
  });
  it("pads rotated boxes along their own edges", () => {
    const s = Math.SQRT1_2;
    const q: TQuadPx = [[0, 0], [10 * s, 10 * s], [10 * s - 2 * s, 10 * s + 2 * s], [-2 * s, 2 * s]];
    const p = padQuad(q, 0.5); // 1 px on every side
    expect(Math.hypot(p[1][0] - p[0][0], p[1][1] - p[0][1])).toBeCloseTo(12);
    expect(Math.hypot(p[3][0] - p[0][0], p[3][1] - p[0][1])).toBeCloseTo(4);
  });
});
