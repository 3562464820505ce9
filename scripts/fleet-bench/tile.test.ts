import { describe, expect, it } from "vitest";
import { tileLayout, type TSize } from "./tile.ts";

const cycle = (n: number) => {
  let i = 0;
  return () => i++ % n;
};

describe("tileLayout", () => {
  const cases: { name: string; sizes: TSize[]; canvas: TSize; scale: number; min: number }[] = [
    { name: "narrow receipts fill rows", sizes: [{ widthPx: 460, heightPx: 1000 }], canvas: { widthPx: 4000, heightPx: 3000 }, scale: 1, min: 400 },
    { name: "a receipt taller than the page is cropped", sizes: [{ widthPx: 2481, heightPx: 3508 }], canvas: { widthPx: 4000, heightPx: 3000 }, scale: 1, min: 400 },
    { name: "mixed sizes at half scale", sizes: [{ widthPx: 1080, heightPx: 1527 }, { widthPx: 463, heightPx: 605 }, { widthPx: 2481, heightPx: 3508 }], canvas: { widthPx: 1240, heightPx: 1754 }, scale: 0.5, min: 300 },
  ];
  it.each(cases)("$name: inside the margins, no overlaps, at least one", ({ sizes, canvas, scale, min }) => {
    const margin = 40;
    const out = tileLayout(sizes, { canvas, marginPx: margin, gapPx: 20, minHeightPx: min, scaleFor: () => scale, next: cycle(sizes.length) });
    expect(out.length).toBeGreaterThan(0);
    for (const p of out) {
      expect(p.left).toBeGreaterThanOrEqual(margin);
      expect(p.top).toBeGreaterThanOrEqual(margin);
      expect(p.left + p.widthPx).toBeLessThanOrEqual(canvas.widthPx - margin);
      expect(p.top + p.heightPx).toBeLessThanOrEqual(canvas.heightPx - margin);
      expect(p.widthPx).toBeLessThanOrEqual(p.scaledWidthPx);
      expect(p.heightPx).toBeLessThanOrEqual(p.scaledHeightPx);
    }
    for (const a of out) {
      for (const b of out) {
        if (a === b) continue;
        const apart = a.left + a.widthPx <= b.left || b.left + b.widthPx <= a.left || a.top + a.heightPx <= b.top || b.top + b.heightPx <= a.top;
        expect(apart).toBe(true);
      }
    }
  });

  it("packs eight 460×1000 receipts in a row of a 4000 px scan, then a second row", () => {
    const out = tileLayout([{ widthPx: 460, heightPx: 1000 }], {
      canvas: { widthPx: 4000, heightPx: 3000 }, marginPx: 60, gapPx: 40, minHeightPx: 400, scaleFor: () => 1, next: () => 0,
    });
    // (4000 − 120 + 40) / 500 = 7.84 → 7 a row; rows at 60, 1100, 2140 (the last cropped to 800 px).
    expect(out.filter((p) => p.top === 60)).toHaveLength(7);
    expect(new Set(out.map((p) => p.top))).toEqual(new Set([60, 1100, 2140]));
    expect(out.at(-1)!.heightPx).toBe(800);
  });
});
