import { describe, expect, it } from "vitest";
import type { TPoint, TQuadPx } from "./geometry.ts";
import { estimateSkewRad, readingRows } from "./reading-rows.ts";

/** A w × h box at (x, y) in an upright page, then the whole page turned by `deg` about the origin. */
function box(name: string, x: number, y: number, w: number, h = 20, deg = 0) {
  const a = (deg * Math.PI) / 180;
  const turn = ([px, py]: TPoint): TPoint => [px * Math.cos(a) - py * Math.sin(a), px * Math.sin(a) + py * Math.cos(a)];
  const quad = ([[x, y], [x + w, y], [x + w, y + h], [x, y + h]] as TPoint[]).map(turn) as TQuadPx;
  return { name, quad };
}
const names = (rows: Array<Array<{ item: { name: string } }>>) => rows.map((r) => r.map((c) => c.item.name).join(" "));

/** A receipt's label/value rows: labels at the left, values 400 px away at the right, 30 px apart. */
function receipt(deg: number) {
  const rows = ["SUBTOTAL", "TAX", "TOTAL", "CASH", "CHANGE"];
  return rows.flatMap((label, i) => [box(label, 0, i * 30, 120, 20, deg), box(`${label}-value`, 520, i * 30, 60, 20, deg)]);
}

describe("estimateSkewRad", () => {
  it.each([0, 2, -3, 5])("finds a page turned by %d° from its wide boxes", (deg) => {
    expect((estimateSkewRad(receipt(deg).map((b) => b.quad)) * 180) / Math.PI).toBeCloseTo(deg, 5);
  });
  it("ignores boxes that say nothing about the direction of rows, and pages turned far", () => {
    expect(estimateSkewRad([box("dot", 0, 0, 20, 20, 10).quad])).toBe(0);
    expect(estimateSkewRad(receipt(30).map((b) => b.quad))).toBe(0);
    expect(estimateSkewRad([])).toBe(0);
  });
});

describe("readingRows", () => {
  it.each([0, 3, -4, 6])("keeps each label with its value on a page turned by %d°", (deg) => {
    const shuffled = [...receipt(deg)].reverse();
    expect(names(readingRows(shuffled, (b) => b.quad))).toEqual(["SUBTOTAL SUBTOTAL-value", "TAX TAX-value", "TOTAL TOTAL-value", "CASH CASH-value", "CHANGE CHANGE-value"]);
  });

  it("a 4° tilt interleaves rows when sorted by top edge, and not here", () => {
    // The value of row 1 sits 36 px lower than its label, below the next row's label (30 px down).
    const page = receipt(4);
    const byTop = [...page].sort((a, b) => a.quad[0][1] - b.quad[0][1]).map((b) => b.name);
    expect(byTop.indexOf("TAX")).toBeLessThan(byTop.indexOf("SUBTOTAL-value"));
    expect(names(readingRows(page, (b) => b.quad))[0]).toBe("SUBTOTAL SUBTOTAL-value");
  });

  it("reads a row of cells left to right and tall and short lines in their own rows", () => {
    const rows = readingRows([box("c", 400, 2, 80), box("a", 0, 0, 80), box("b", 200, 4, 80), box("big", 0, 40, 300, 60), box("after", 0, 110, 80)], (b) => b.quad);
    expect(names(rows)).toEqual(["a b c", "big", "after"]);
  });
});

describe("readingRows: two columns of prose", () => {
  const text = (b: { name: string }) => b.name;
  /** A title across the page, then `n` rows of a left column (x 0–360) and a right one (x 420–780), then a footer. */
  function article(deg: number, n = 5, right = (i: number) => `right column line ${i}`) {
    return [
      box("Title of the article across both columns", 0, 0, 780, 30, deg),
      ...Array.from({ length: n }, (_, i) => [box(`left column line ${i}`, 0, 60 + i * 30, 360, 20, deg), box(right(i), 420, 60 + i * 30, 360, 20, deg)]).flat(),
      box("Footer across the page as well", 0, 90 + n * 30, 780, 20, deg),
    ];
  }

  it.each([0, 3, -2])("reads the left column, then the right, on a page turned by %d°", (deg) => {
    const order = names(readingRows([...article(deg)].reverse(), (b) => b.quad, text));
    expect(order).toEqual([
      "Title of the article across both columns",
      ...[0, 1, 2, 3, 4].map((i) => `left column line ${i}`),
      ...[0, 1, 2, 3, 4].map((i) => `right column line ${i}`),
      "Footer across the page as well",
    ]);
  });

  it("a narrow footer a paragraph's gap below the columns is not read as part of the left one", () => {
    const page = article(0).map((b) => (b.name.startsWith("Footer") ? box("Footer, narrow", 0, 300, 200) : b));
    expect(names(readingRows(page, (b) => b.quad, text)).at(-1)).toBe("Footer, narrow");
  });

  it("a right column that ends early is still read after the left one", () => {
    const page = article(0).filter((b) => b.name !== "right column line 4");
    expect(names(readingRows(page, (b) => b.quad, text)).slice(5, 7)).toEqual(["left column line 4", "right column line 0"]);
  });

  it.each<[string, (i: number) => string]>([
    ["amounts", (i) => `${12 + i}.50`],
    ["dates", (i) => `0${i + 1}/03/2018`],
  ])("keeps rows whose right side holds %s (a label/value list, not a column of prose)", (_, right) => {
    const rows = names(readingRows(article(0, 5, right), (b) => b.quad, text));
    expect(rows[1]).toBe(`left column line 0 ${right(0)}`);
  });

  it.each([0, 2])("reads columns whose baselines do not line up one after the other, turned by %d°", (deg) => {
    // The right column's lines are 38 px apart from y 75, the left one's 30 px apart from y 60: most rows hold one side only.
    const page = [
      box("Title of the article across both columns", 0, 0, 780, 30, deg),
      ...Array.from({ length: 6 }, (_, i) => box(`left column line ${i}`, 0, 60 + i * 30, 360, 20, deg)),
      ...Array.from({ length: 4 }, (_, i) => box(`right column line ${i}`, 420, 75 + i * 38, 360, 24, deg)),
      box("Footer across the page as well", 0, 280, 780, 20, deg),
    ];
    expect(names(readingRows(page.reverse(), (b) => b.quad, text))).toEqual([
      "Title of the article across both columns",
      ...[0, 1, 2, 3, 4, 5].map((i) => `left column line ${i}`),
      ...[0, 1, 2, 3].map((i) => `right column line ${i}`),
      "Footer across the page as well",
    ]);
  });

  it("reads three columns one after the other", () => {
    const columns = ["first", "second", "third"];
    const page = columns.flatMap((name, c) => Array.from({ length: 4 }, (_, i) => box(`${name} column line ${i}`, c * 280, 60 + i * 30 + c * 7, 230)));
    expect(names(readingRows(page, (b) => b.quad, text))).toEqual(columns.flatMap((name) => [0, 1, 2, 3].map((i) => `${name} column line ${i}`)));
  });

  it("keeps rows when there are too few of them, or no text is given", () => {
    expect(names(readingRows(article(0, 2), (b) => b.quad, text))[1]).toBe("left column line 0 right column line 0");
    expect(names(readingRows(article(0), (b) => b.quad))[1]).toBe("left column line 0 right column line 0");
  });
});
