/**
 * Rows of text in reading order, in the page's own frame. A receipt photographed a few degrees off
 * tilts every row, so sorting boxes by their top edge interleaves rows and parts a label from its
 * value (`TOTAL ........ 12.50`). The page's skew is estimated once from the detected boxes (the
 * median slope of the wide boxes' top and bottom edges), every box is turned back by it, and rows are
 * grouped there: a box joins a row when its vertical centre lies inside the row's median band and the
 * row's centre inside the box. Rows go top to bottom, cells left to right. Pure, and linear in boxes
 * after one sort, so the text and Markdown outputs can both afford it.
 */
import type { TPoint, TQuadPx } from "./geometry.ts";

/** A box seen in the deskewed frame, in px. */
export type TUprightBox = { left: number; right: number; top: number; bottom: number; height: number };

/** Only boxes at least this many times wider than tall say which way a row runs. */
const MIN_ASPECT_FOR_SKEW = 2;
/** Skews beyond this (radians, ~20°) are not a photo a few degrees off; leave such pages as they are. */
const MAX_SKEW_RAD = 0.35;

/** The page's skew in radians (positive: rows fall to the right), from the slopes of its wide boxes. */
export function estimateSkewRad(quads: readonly TQuadPx[]): number {
  const slopes: number[] = [];
  for (const q of quads) {
    const w = Math.hypot(q[1][0] - q[0][0], q[1][1] - q[0][1]);
    const h = Math.hypot(q[3][0] - q[0][0], q[3][1] - q[0][1]);
    if (w < MIN_ASPECT_FOR_SKEW * h) continue;
    slopes.push(Math.atan2(q[1][1] - q[0][1], q[1][0] - q[0][0]), Math.atan2(q[2][1] - q[3][1], q[2][0] - q[3][0]));
  }
  if (slopes.length === 0) return 0;
  const skew = median(slopes);
  return Math.abs(skew) > MAX_SKEW_RAD ? 0 : skew;
}

/** `q` turned by −`skewRad` about the origin, as an axis-aligned box. */
export function uprightBox(q: readonly TPoint[], skewRad: number): TUprightBox {
  const c = Math.cos(-skewRad);
  const s = Math.sin(-skewRad);
  const xs = q.map(([x, y]) => x * c - y * s);
  const ys = q.map(([x, y]) => x * s + y * c);
  const top = Math.min(...ys);
  const bottom = Math.max(...ys);
  return { left: Math.min(...xs), right: Math.max(...xs), top, bottom, height: Math.max(1, bottom - top) };
}

const centre = (b: { top: number; bottom: number }) => (b.top + b.bottom) / 2;

/**
 * `items` grouped into rows in reading order (top to bottom, each row left to right), each item with
 * its deskewed box. `quadOf` reads an item's corners, clockwise from the top left.
 */
export function readingRows<T>(items: readonly T[], quadOf: (item: T) => readonly TPoint[], skewRad?: number): Array<Array<{ item: T; box: TUprightBox }>> {
  const skew = skewRad ?? estimateSkewRad(items.map((i) => quadOf(i) as TQuadPx));
  const boxes = items.map((item) => ({ item, box: uprightBox(quadOf(item), skew) }));
  boxes.sort((a, b) => centre(a.box) - centre(b.box) || a.box.left - b.box.left);
  const rows: Array<typeof boxes> = [];
  let band: { top: number; bottom: number } | null = null;
  for (const b of boxes) {
    const row = rows[rows.length - 1];
    // The row's median band, so one tall cell does not swallow the next row.
    if (row && band) {
      const c = centre(b.box);
      if (c > band.top && c < band.bottom && centre(band) > b.box.top && centre(band) < b.box.bottom) {
        row.push(b);
        band = { top: median(row.map((x) => x.box.top)), bottom: median(row.map((x) => x.box.bottom)) };
        continue;
      }
    }
    rows.push([b]);
    band = { top: b.box.top, bottom: b.box.bottom };
  }
  for (const row of rows) row.sort((a, b) => a.box.left - b.box.left);
  return rows;
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
