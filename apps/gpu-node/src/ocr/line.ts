/** A detected text line on its way through classification and recognition. */
import { quadSizePx, rotateQuadCcw } from "./crop.ts";
import type { TPoint, TQuadPx } from "./geometry.ts";

export type TTextLine = {
  /** The box as reported: clockwise from the top left, in source pixels. */
  box: TQuadPx;
  /** The same corners, reordered so that quad[0] is the top left of the upright text. */
  quad: TQuadPx;
  /** Upright width / height of the crop. */
  aspect: number;
  /** The angle classifier turned this line 180°. */
  flipped?: boolean;
  /** The box was taller than wide, so the crop was turned 90° counter-clockwise. */
  turned?: boolean;
};

/**
 * Upright crop geometry for a detected box. Like PaddleOCR, crops at least 1.5× taller than wide are
 * treated as vertical lines and turned 90° counter-clockwise; the classifier fixes those that end up
 * upside down.
 */
export function toTextLine(box: TQuadPx, cropPadRatio = 0): TTextLine {
  const { widthPx, heightPx } = quadSizePx(padQuad(box, cropPadRatio));
  const w = Math.max(1, Math.trunc(widthPx));
  const h = Math.max(1, Math.trunc(heightPx));
  const padded = padQuad(box, cropPadRatio);
  if (h / w >= 1.5) return { box, quad: rotateQuadCcw(padded), aspect: h / w, turned: true };
  return { box, quad: padded, aspect: w / h };
}

/**
 * Grow a quad on every side by `ratio` × its shorter side, along its own edges. The recogniser
 * drops spaces and clips descenders when the crop hugs the glyphs; a small margin fixes both.
 */
export function padQuad(q: TQuadPx, ratio: number): TQuadPx {
  if (ratio <= 0) return q;
  const { widthPx, heightPx } = quadSizePx(q);
  const padPx = ratio * Math.min(widthPx, heightPx);
  const unit = (a: TPoint, b: TPoint): TPoint => {
    const d = Math.hypot(b[0] - a[0], b[1] - a[1]) || 1;
    return [(b[0] - a[0]) / d, (b[1] - a[1]) / d];
  };
  const [tl, tr, br, bl] = q;
  const uTop = unit(tl, tr), uBottom = unit(bl, br), vLeft = unit(tl, bl), vRight = unit(tr, br);
  const move = (p: TPoint, u: TPoint, su: number, v: TPoint, sv: number): TPoint => [
    p[0] + padPx * (su * u[0] + sv * v[0]),
    p[1] + padPx * (su * u[1] + sv * v[1]),
  ];
  return [move(tl, uTop, -1, vLeft, -1), move(tr, uTop, 1, vRight, -1), move(br, uBottom, 1, vRight, 1), move(bl, uBottom, -1, vLeft, 1)];
}

/** (x/255 - 0.5)/0.5 on every channel, as PaddleOCR's rec and cls preprocessing. */
export const SYMMETRIC_NORM = {
  scale: [2 / 255, 2 / 255, 2 / 255] as const,
  bias: [-1, -1, -1] as const,
};
