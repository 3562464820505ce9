import { describe, expect, it } from "vitest";
import {
  convexHull, convexIntersection, minAreaRect, orderQuadClockwise, polygonArea, polygonPerimeter, quadIou,
  rectCorners, unclipRect, type TPoint,
} from "./geometry.ts";

const rotate = (p: TPoint, deg: number, c: TPoint = [0, 0]): TPoint => {
  const r = (deg * Math.PI) / 180;
  const x = p[0] - c[0], y = p[1] - c[1];
  return [c[0] + x * Math.cos(r) - y * Math.sin(r), c[1] + x * Math.sin(r) + y * Math.cos(r)];
};

describe("convexHull", () => {
  it("drops interior and collinear points", () => {
    const pts: TPoint[] = [[0, 0], [2, 0], [4, 0], [4, 3], [0, 3], [2, 1], [1, 2], [0, 1.5]];
    const hull = convexHull(pts);
    expect(hull).toHaveLength(4);
    expect(new Set(hull.map((p) => p.join(",")))).toEqual(new Set(["0,0", "4,0", "4,3", "0,3"]));
    expect(polygonArea(hull)).toBe(12);
  });
  it("handles degenerate input", () => {
    expect(convexHull([])).toEqual([]);
    expect(convexHull([[1, 1], [1, 1]])).toEqual([[1, 1]]);
  });
});

describe("minAreaRect", () => {
  it("recovers an axis-aligned rectangle", () => {
    const r = minAreaRect([[10, 5], [50, 5], [50, 12], [10, 12], [30, 8]]);
    expect(r.widthPx * r.heightPx).toBeCloseTo(40 * 7);
    expect(r.centre[0]).toBeCloseTo(30);
    expect(r.centre[1]).toBeCloseTo(8.5);
  });

  it.each([0, 10, 30, 45, 60, 89, 135])("recovers a rectangle rotated %i°", (deg) => {
    const base: TPoint[] = [];
    for (let x = 0; x <= 100; x += 5) for (let y = 0; y <= 20; y += 5) base.push([x, y]);
    const pts = base.map((p) => rotate(p, deg, [50, 10]));
    const r = minAreaRect(pts);
    expect(Math.max(r.widthPx, r.heightPx)).toBeCloseTo(100, 6);
    expect(Math.min(r.widthPx, r.heightPx)).toBeCloseTo(20, 6);
    expect(r.centre[0]).toBeCloseTo(50, 6);
    expect(r.centre[1]).toBeCloseTo(10, 6);
  });

  it("encloses every point of a random cloud with no smaller axis-aligned box", () => {
    let seed = 7;
    const rnd = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    const pts: TPoint[] = Array.from({ length: 200 }, () => rotate([rnd() * 80, rnd() * 15], 23));
    const r = minAreaRect(pts);
    const quad = rectCorners(r);
    for (const p of pts) expect(polygonArea(convexIntersection([[p[0] - 1e-3, p[1] - 1e-3], [p[0] + 1e-3, p[1] - 1e-3], [p[0] + 1e-3, p[1] + 1e-3], [p[0] - 1e-3, p[1] + 1e-3]], quad))).toBeGreaterThan(0);
    const xs = pts.map((p) => p[0]), ys = pts.map((p) => p[1]);
    const aabb = (Math.max(...xs) - Math.min(...xs)) * (Math.max(...ys) - Math.min(...ys));
    expect(r.widthPx * r.heightPx).toBeLessThan(aabb);
  });
});

describe("rectCorners / orderQuadClockwise", () => {
  it("orders corners clockwise on screen from the top left", () => {
    const q = rectCorners({ centre: [50, 20], widthPx: 80, heightPx: 10, axis: [Math.cos(0.1), Math.sin(0.1)] });
    const [tl, tr, br, bl] = q;
    expect(tl[0]).toBeLessThan(tr[0]);
    expect(bl[0]).toBeLessThan(br[0]);
    expect(tl[1]).toBeLessThan(bl[1]);
    expect(tr[1]).toBeLessThan(br[1]);
    expect(orderQuadClockwise([br, tl, bl, tr])).toEqual(q);
  });
});

describe("unclipRect", () => {
  it("grows every side by area × ratio / perimeter", () => {
    const r = unclipRect({ centre: [0, 0], widthPx: 40, heightPx: 10, axis: [1, 0] }, 1.5);
    const d = (400 * 1.5) / 100;
    expect(r.widthPx).toBeCloseTo(40 + 2 * d);
    expect(r.heightPx).toBeCloseTo(10 + 2 * d);
  });
});

describe("polygon measures and IoU", () => {
  const sq: TPoint[] = [[0, 0], [10, 0], [10, 10], [0, 10]];
  it("area and perimeter", () => {
    expect(polygonArea(sq)).toBe(100);
    expect(polygonPerimeter(sq)).toBe(40);
  });
  it("IoU of shifted and rotated squares", () => {
    expect(quadIou(sq, sq)).toBeCloseTo(1);
    expect(quadIou(sq, sq.map(([x, y]) => [x + 5, y] as TPoint))).toBeCloseTo(50 / 150);
    expect(quadIou(sq, sq.map(([x, y]) => [x + 20, y] as TPoint))).toBe(0);
    const diamond = sq.map((p) => rotate(p, 45, [5, 5]));
    // Square ∩ same square turned 45° is a regular octagon: area = 2(√2 − 1)·s², s = 10.
    const oct = 200 * (Math.SQRT2 - 1);
    expect(quadIou(sq, [...diamond].reverse())).toBeCloseTo(oct / (200 - oct), 6);
  });
});
