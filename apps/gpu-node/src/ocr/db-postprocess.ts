/**
 * DB (Differentiable Binarization) post-processing, after PaddleOCR's DBPostProcess with
 * score_mode "fast": threshold the probability map, take each 8-connected component, fit its
 * minimum-area rectangle, score it by the mean probability inside, unclip it, and scale it back to
 * source pixels.
 */
import { minAreaRect, orderQuadClockwise, rectCorners, unclipRect, type TPoint, type TQuadPx } from "./geometry.ts";

export type TDbOptions = {
  /** Pixel is text when probability > this. */
  thresh: number;
  /** Keep a box when its mean probability ≥ this. */
  boxThresh: number;
  unclipRatio: number;
  /** Drop boxes whose short side (in map pixels) is under this. */
  minSizePx: number;
  maxCandidates: number;
};

export const DEFAULT_DB_OPTIONS: TDbOptions = {
  thresh: 0.3,
  boxThresh: 0.6,
  unclipRatio: 1.5,
  minSizePx: 3,
  maxCandidates: 1000,
};

export type TDetBox = { quad: TQuadPx; score: number };

/**
 * Boxes from a probability map of `mapWidthPx × mapHeightPx`, in the coordinates of a source image of
 * `srcWidthPx × srcHeightPx`.
 */
export function boxesFromProbMap(
  prob: Float32Array,
  mapWidthPx: number,
  mapHeightPx: number,
  srcWidthPx: number,
  srcHeightPx: number,
  opts: TDbOptions = DEFAULT_DB_OPTIONS,
): TDetBox[] {
  const components = connectedComponents(prob, mapWidthPx, mapHeightPx, opts.thresh);
  const sx = srcWidthPx / mapWidthPx;
  const sy = srcHeightPx / mapHeightPx;
  const out: TDetBox[] = [];
  for (const outline of components.slice(0, opts.maxCandidates)) {
    const rect = minAreaRect(outline);
    if (Math.min(rect.widthPx, rect.heightPx) < opts.minSizePx) continue;
    const quad = rectCorners(rect);
    const score = meanInsideQuad(prob, mapWidthPx, mapHeightPx, quad);
    if (score < opts.boxThresh) continue;
    const grown = unclipRect(rect, opts.unclipRatio);
    if (Math.min(grown.widthPx, grown.heightPx) < opts.minSizePx + 2) continue;
    const scaled = rectCorners(grown).map(
      ([x, y]): TPoint => [clamp(Math.round(x * sx), 0, srcWidthPx), clamp(Math.round(y * sy), 0, srcHeightPx)],
    );
    const q = orderQuadClockwise(scaled);
    // PaddleOCR's filter_tag_det_res: drop slivers of 3 px or less after clipping.
    if (Math.trunc(dist(q[0], q[1])) <= 3 || Math.trunc(dist(q[0], q[3])) <= 3) continue;
    out.push({ quad: q, score });
  }
  return out;
}

const clamp = (v: number, lo: number, hi: number) => (v < lo ? lo : v > hi ? hi : v);
const dist = (a: TPoint, b: TPoint) => Math.hypot(a[0] - b[0], a[1] - b[1]);

/**
 * 8-connected components of `prob > thresh`. Each component is returned as its leftmost and rightmost
 * pixel (centre) on every row: the same convex hull as the full component at a fraction of the points.
 * Components come in raster order of their first pixel, like OpenCV's contour scan.
 */
export function connectedComponents(prob: Float32Array, w: number, h: number, thresh: number): TPoint[][] {
  const n = w * h;
  const seen = new Uint8Array(n);
  for (let i = 0; i < n; i++) seen[i] = prob[i]! > thresh ? 0 : 1;
  const stack = new Int32Array(n);
  const rowMin = new Int32Array(h);
  const rowMax = new Int32Array(h);
  const result: TPoint[][] = [];
  for (let start = 0; start < n; start++) {
    if (seen[start]) continue;
    let top = 0;
    stack[top++] = start;
    seen[start] = 1;
    // The first pixel in raster order is on the component's top row; rows below are reached in order.
    const yLo = (start / w) | 0;
    let yHi = yLo - 1;
    while (top > 0) {
      const idx = stack[--top]!;
      const y = (idx / w) | 0;
      const x = idx - y * w;
      while (yHi < y) { yHi++; rowMin[yHi] = w; rowMax[yHi] = -1; }
      if (x < rowMin[y]!) rowMin[y] = x;
      if (x > rowMax[y]!) rowMax[y] = x;
      for (let dy = -1; dy <= 1; dy++) {
        const ny = y + dy;
        if (ny < 0 || ny >= h) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const nx = x + dx;
          if (nx < 0 || nx >= w) continue;
          const j = ny * w + nx;
          if (!seen[j]) { seen[j] = 1; stack[top++] = j; }
        }
      }
    }
    const pts: TPoint[] = [];
    for (let r = yLo; r <= yHi; r++) {
      if (rowMax[r]! < 0) continue;
      pts.push([rowMin[r]!, r]);
      if (rowMax[r] !== rowMin[r]) pts.push([rowMax[r]!, r]);
    }
    result.push(pts);
  }
  return result;
}

/** Mean of `prob` over the map pixels whose centres lie inside the convex quad (edges included). */
export function meanInsideQuad(prob: Float32Array, w: number, h: number, quad: TQuadPx): number {
  const xs = quad.map((p) => p[0]);
  const ys = quad.map((p) => p[1]);
  const x0 = clamp(Math.floor(Math.min(...xs)), 0, w - 1);
  const x1 = clamp(Math.ceil(Math.max(...xs)), 0, w - 1);
  const y0 = clamp(Math.floor(Math.min(...ys)), 0, h - 1);
  const y1 = clamp(Math.ceil(Math.max(...ys)), 0, h - 1);
  // Edge functions of the clockwise-on-screen quad: inside means every cross product ≥ 0.
  const ex: number[] = [], ey: number[] = [], ec: number[] = [];
  for (let i = 0; i < 4; i++) {
    const a = quad[i]!, b = quad[(i + 1) % 4]!;
    ex.push(b[0] - a[0]);
    ey.push(b[1] - a[1]);
    ec.push(a[0] * (b[1] - a[1]) - a[1] * (b[0] - a[0]));
  }
  const eps = 1e-6;
  let sum = 0, count = 0;
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      let inside = true;
      for (let i = 0; i < 4 && inside; i++) {
        // cross(b - a, p - a) = ex*(y - ay) - ey*(x - ax) = ex*y - ey*x + ec
        if (ex[i]! * y - ey[i]! * x + ec[i]! < -eps) inside = false;
      }
      if (inside) { sum += prob[y * w + x]!; count++; }
    }
  }
  return count > 0 ? sum / count : 0;
}
