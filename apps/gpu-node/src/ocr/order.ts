/**
 * Reading order of a page's recognised lines: rows top to bottom, each row left to right, in the
 * page's deskewed frame (reading-rows.ts). PaddleOCR's sorted_boxes sorts by the top-left corner with
 * a fixed 10 px row tolerance, which interleaves the rows of a photo a few degrees off.
 */
import type { TQuadPx } from "./geometry.ts";
import { readingRows } from "./reading-rows.ts";

export function sortReadingOrder<T extends { quad: TQuadPx; text?: string }>(items: readonly T[]): T[] {
  return readingRows(items, (i) => i.quad, (i) => i.text ?? "").flatMap((row) => row.map((c) => c.item));
}
