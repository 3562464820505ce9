/**
 * Reading order, after PaddleOCR's sorted_boxes: sort by the top-left corner (y, then x), then one
 * insertion pass that puts boxes on the same row left to right. "Same row" means the top-left corners
 * differ in y by less than the tolerance; PaddleOCR uses a fixed 10 px, which is too tight for large
 * scans, so we use half the smaller box height, at least `minTolerancePx`.
 */
import type { TQuadPx } from "./geometry.ts";

export function sortReadingOrder<T extends { quad: TQuadPx }>(items: readonly T[], minTolerancePx = 10): T[] {
  const out = [...items].sort((a, b) => a.quad[0][1] - b.quad[0][1] || a.quad[0][0] - b.quad[0][0]);
  for (let i = 0; i < out.length - 1; i++) {
    for (let j = i; j >= 0; j--) {
      const upper = out[j]!;
      const lower = out[j + 1]!;
      const tol = Math.max(minTolerancePx, Math.min(boxHeightPx(upper.quad), boxHeightPx(lower.quad)) / 2);
      if (Math.abs(lower.quad[0][1] - upper.quad[0][1]) < tol && lower.quad[0][0] < upper.quad[0][0]) {
        out[j] = lower;
        out[j + 1] = upper;
      } else break;
    }
  }
  return out;
}

const boxHeightPx = (q: TQuadPx) => Math.hypot(q[3][0] - q[0][0], q[3][1] - q[0][1]);
