/**
 * Width buckets for recognition. Each line is padded to a width of its own, chosen from a small fixed
 * set by its own width alone, and only lines of one bucket share a batch. So a line's input tensor,
 * and with it its recognised text, cannot depend on which other lines share its batch: padding a line
 * to its batch's widest neighbour changed the text (the SVTR neck attends over the padded columns;
 * docs/gpu-runs.md, run 3). A small set of widths also keeps the GPU on few input shapes.
 */

/** Bucket steps in px at the model height (48): fine where most lines are, coarser for long lines. */
const STEPS: ReadonlyArray<{ upToPx: number; stepPx: number }> = [
  { upToPx: 640, stepPx: 80 },
  { upToPx: 1280, stepPx: 160 },
  { upToPx: 2560, stepPx: 320 },
  { upToPx: Infinity, stepPx: 640 },
];

/** The padded width for a line `widthPx` wide at the model height; never below `minWidthPx`. */
export function recBucketWidthPx(widthPx: number, minWidthPx = 0): number {
  const w = Math.max(1, Math.ceil(widthPx), minWidthPx);
  let from = 0;
  for (const { upToPx, stepPx } of STEPS) {
    if (w <= upToPx) return from + Math.ceil((w - from) / stepPx) * stepPx;
    from = upToPx;
  }
  return w; // unreachable: the last step has no upper bound
}

/** Every bucket width up to `maxWidthPx`, smallest first (for warming the GPU's shapes at start). */
export function recBucketWidthsUpTo(maxWidthPx: number, minWidthPx = 0): number[] {
  const out: number[] = [];
  for (let w = recBucketWidthPx(1, minWidthPx); w <= maxWidthPx; w = recBucketWidthPx(w + 1, minWidthPx)) out.push(w);
  return out;
}

/**
 * Most lines per batch in a bucket: `maxLines`, fewer for wide buckets so a batch stays within
 * `maxColumnsPx` padded columns (memory grows with lines × width); at least one.
 */
export function recBatchLines(bucketWidthPx: number, maxLines: number, maxColumnsPx: number): number {
  return Math.max(1, Math.min(maxLines, Math.floor(maxColumnsPx / bucketWidthPx)));
}
