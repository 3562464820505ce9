/**
 * Whole-page orientation, decided once per page from plain data: the detected boxes' shapes say
 * whether the page lies on its side, and the lines' readings say whether it is upside down.
 *
 * A page's angle is how far clockwise the scan is turned from upright (0, 90, 180 or 270°). Nothing
 * here rotates pixels: a turned page is read by relabelling each box's corners (so crops come out
 * upright) and by mapping points into the upright frame for reading order and Markdown, while the
 * reported boxes stay in the decoded image's pixels.
 */
import type { TPoint, TQuadPx } from "./geometry.ts";

export type TPageAngle = 0 | 90 | 180 | 270;

/** A box counts as tall (or wide) when one side is at least this many times the other; toTextLine's 1.5. */
export const SIDEWAYS_ASPECT = 1.5;
/** The page is on its side when tall boxes hold more than this share of the clearly shaped boxes' length. */
export const SIDEWAYS_SHARE = 0.5;

export type TBoxShape = { widthPx: number; heightPx: number };

/**
 * Is the page on its side? Each clearly tall or clearly wide box votes with its long side in px (a
 * long line outweighs a stray digit); near-square boxes (single characters, logos) abstain. Ties
 * and pages without a clear box stay upright, so an upright page never pays for the vote.
 */
export function pageSideways(boxes: readonly TBoxShape[]): { sideways: boolean; tallPx: number; widePx: number } {
  let tallPx = 0, widePx = 0;
  for (const { widthPx, heightPx } of boxes) {
    if (heightPx >= SIDEWAYS_ASPECT * widthPx) tallPx += heightPx;
    else if (widthPx >= SIDEWAYS_ASPECT * heightPx) widePx += widthPx;
  }
  const total = tallPx + widePx;
  return { sideways: total > 0 && tallPx / total > SIDEWAYS_SHARE, tallPx, widePx };
}

/** One line's readings in the page's base frame (0° or 90°) and turned 180° from it, where read. */
export type TLineVote = { widthPx: number; upright?: number; flipped?: number };

/**
 * Is the page upside down (relative to its base frame)? A line read both ways votes for its more
 * confident reading; a line read one way only votes for it when it is at least `sureConfidence` (an
 * unsure reading of a short line, never read the other way, says nothing). Votes are weighted by the
 * line's width in px, so a page's long lines decide, not its stray symbols. A tie stays upright.
 */
export function pageFlipped(lines: readonly TLineVote[], sureConfidence: number): { flipped: boolean; flippedPx: number; uprightPx: number } {
  let flippedPx = 0, uprightPx = 0;
  for (const { widthPx, upright, flipped } of lines) {
    if (upright !== undefined && flipped !== undefined) {
      if (flipped > upright) flippedPx += widthPx;
      else uprightPx += widthPx;
    } else if (upright !== undefined && upright >= sureConfidence) uprightPx += widthPx;
    else if (flipped !== undefined && flipped >= sureConfidence) flippedPx += widthPx;
  }
  return { flipped: flippedPx > uprightPx, flippedPx, uprightPx };
}

/**
 * Which reading a line keeps: the page's orientation, unless the other reading exists and is more
 * confident. On an upright page this is the classifier rule the engine always had: a line the
 * classifier flipped keeps the flipped reading only when it beats the unflipped one.
 */
export function keepFlipped(line: Omit<TLineVote, "widthPx">, pageIsFlipped: boolean): boolean {
  const { upright, flipped } = line;
  if (pageIsFlipped) return flipped !== undefined && !(upright !== undefined && upright > flipped);
  return upright === undefined || (flipped !== undefined && flipped > upright);
}

/**
 * The same box with its corners relabelled for a page turned `angle` clockwise: corner 0 becomes the
 * top left of the upright text. Corners stay clockwise and the points stay where they were.
 */
export function turnBox(box: TQuadPx, angle: TPageAngle): TQuadPx {
  const k = angle / 90;
  return [box[k % 4]!, box[(k + 1) % 4]!, box[(k + 2) % 4]!, box[(k + 3) % 4]!];
}

/**
 * A point of the decoded image (widthPx × heightPx, pixel centres at integers) in the upright page's
 * frame, i.e. where it would be after turning the image back by `angle`.
 */
export function toUprightPoint(p: TPoint, angle: TPageAngle, widthPx: number, heightPx: number): [number, number] {
  const [x, y] = p;
  switch (angle) {
    case 0: return [x, y];
    case 90: return [y, widthPx - 1 - x];
    case 180: return [widthPx - 1 - x, heightPx - 1 - y];
    case 270: return [heightPx - 1 - y, x];
  }
}

/** A box in the upright frame, corners clockwise from the upright top left. */
export function toUprightQuad(box: TQuadPx, angle: TPageAngle, widthPx: number, heightPx: number): TQuadPx {
  const [a, b, c, d] = turnBox(box, angle).map((p) => toUprightPoint(p, angle, widthPx, heightPx));
  return [a!, b!, c!, d!];
}

/**
 * A box read on the upright image (`angle` turned back; corners clockwise from the text's top left)
 * in the decoded image's pixels (widthPx × heightPx), corners clockwise from the image's top left as
 * detection reports them. The inverse of toUprightQuad.
 */
export function fromUprightQuad(q: TQuadPx, angle: TPageAngle, widthPx: number, heightPx: number): TQuadPx {
  const back = ([u, v]: TPoint): TPoint => {
    switch (angle) {
      case 0: return [u, v];
      case 90: return [widthPx - 1 - v, u];
      case 180: return [widthPx - 1 - u, heightPx - 1 - v];
      case 270: return [v, heightPx - 1 - u];
    }
  };
  const k = angle / 90;
  const p = q.map(back);
  return [p[(4 - k) % 4]!, p[(5 - k) % 4]!, p[(6 - k) % 4]!, p[(7 - k) % 4]!];
}

/** The page's angle from its base frame (90 when sideways, else 0) and the upside-down vote. */
export const pageAngle = (sideways: boolean, flipped: boolean): TPageAngle =>
  ((sideways ? 90 : 0) + (flipped ? 180 : 0)) as TPageAngle;
