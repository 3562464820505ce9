// Where receipts go on a page: pure shelf packing, so the layout is deterministic and testable
// without decoding an image. Rendering the layout is workload.ts's job.

export type TSize = { widthPx: number; heightPx: number };

export type TPlacement = {
  /** Index into the sizes the caller offered. */
  source: number;
  /** Top-left corner on the canvas, px. */
  left: number;
  top: number;
  /** Size after scaling and before cropping, px. */
  scaledWidthPx: number;
  scaledHeightPx: number;
  /** The part of the scaled receipt shown (from its top-left), px; smaller than scaled when cropped. */
  widthPx: number;
  heightPx: number;
};

export type TTileOptions = {
  canvas: TSize;
  marginPx: number;
  gapPx: number;
  /** Scale for a receipt of this size (1 = native). */
  scaleFor: (s: TSize) => number;
  /** Next receipt to try, an index into `sizes`; called until the canvas is full. */
  next: () => number;
  /** A receipt cropped to less than this height is not worth placing; the page is full. */
  minHeightPx: number;
  maxItems?: number;
};

/** Fills rows left to right, top to bottom; crops what overhangs the right or bottom margin. */
export function tileLayout(sizes: readonly TSize[], o: TTileOptions): TPlacement[] {
  const right = o.canvas.widthPx - o.marginPx;
  const bottom = o.canvas.heightPx - o.marginPx;
  const out: TPlacement[] = [];
  let x = o.marginPx;
  let y = o.marginPx;
  let rowHeight = 0;
  const maxItems = o.maxItems ?? 64;
  while (out.length < maxItems) {
    const source = o.next();
    const size = sizes[source];
    if (!size) throw new Error(`tileLayout: no source ${source}`);
    const scale = o.scaleFor(size);
    const scaledWidthPx = Math.max(1, Math.round(size.widthPx * scale));
    const scaledHeightPx = Math.max(1, Math.round(size.heightPx * scale));
    // A receipt that does not fit the rest of this row starts a new row (unless the row is empty).
    if (x > o.marginPx && x + scaledWidthPx > right) {
      x = o.marginPx;
      y += rowHeight + o.gapPx;
      rowHeight = 0;
    }
    const heightPx = Math.min(scaledHeightPx, bottom - y);
    if (heightPx < Math.min(o.minHeightPx, scaledHeightPx)) break;
    const widthPx = Math.min(scaledWidthPx, right - x);
    out.push({ source, left: x, top: y, scaledWidthPx, scaledHeightPx, widthPx, heightPx });
    x += widthPx + o.gapPx;
    rowHeight = Math.max(rowHeight, heightPx);
  }
  return out;
}
