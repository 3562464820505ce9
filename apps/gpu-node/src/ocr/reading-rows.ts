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
 * its deskewed box. `quadOf` reads an item's corners, clockwise from the top left; with `textOf`,
 * two columns of prose are read one after the other (splitTextColumns).
 */
export function readingRows<T>(items: readonly T[], quadOf: (item: T) => readonly TPoint[], textOf?: (item: T) => string, skewRad?: number): Array<Array<{ item: T; box: TUprightBox }>> {
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
  return splitTextColumns(rows, textOf);
}

type TCell<T> = { item: T; box: TUprightBox };

/** A gap between cells wider than this many line heights can be a gutter between text columns. */
const GUTTER_HEIGHTS = 1.5;
/** Text columns: at least this many rows with text on both sides of the gutter... */
const MIN_COLUMN_ROWS = 3;
/**
 * ...each side's lines at least this many line heights long (a label/value list's values are shorter;
 * a share of the block's width would refuse the narrow columns of a three-column page)...
 */
const MIN_COLUMN_HEIGHTS = 6;
/** ...and each side mostly letters (values, dates and amounts are not prose). */
const MIN_LETTER_SHARE = 0.6;

const LETTER = /\p{L}/u;

/** Letters and other non-space characters of each cell's text, counted once: a cell is weighed in many candidate blocks. */
const counted = new WeakMap<object, { letters: number; chars: number }>();

function letterShare<T>(cells: ReadonlyArray<TCell<T>>, textOf: (item: T) => string): number {
  let letters = 0;
  let chars = 0;
  for (const cell of cells) {
    let n = counted.get(cell);
    if (!n) {
      const all = Array.from(textOf(cell.item).replace(/\s+/g, ""));
      n = { letters: all.filter((c) => LETTER.test(c)).length, chars: all.length };
      counted.set(cell, n);
    }
    letters += n.letters;
    chars += n.chars;
  }
  return chars === 0 ? 0 : letters / chars;
}

/**
 * Columns of prose (an article, a letter with a sidebar) are read column by column: a run of rows
 * that all leave one gutter free, with prose on both sides of it, becomes the left column's rows,
 * then the right column's, and each side is split again, so three or more columns read in turn. The
 * gutter is found from the union of a few rows, not from one row, so columns whose baselines do not
 * line up (a row holding only one side) are found too. A label/value list keeps its rows, since its
 * values are narrow and not prose; a title across the columns ends the run. Without `textOf`, rows
 * are left as they are.
 */
function splitTextColumns<T>(rows: Array<Array<TCell<T>>>, textOf?: (item: T) => string): Array<Array<TCell<T>>> {
  if (!textOf) return rows;
  const shape = rowShape(rows);
  const out: Array<Array<TCell<T>>> = [];
  let i = 0;
  while (i < rows.length) {
    const block = columnBlock(rows, shape, i, textOf);
    if (!block) {
      out.push(rows[i++]!);
      continue;
    }
    out.push(...splitTextColumns(block.left, textOf), ...splitTextColumns(block.right, textOf));
    i = block.end;
  }
  return out;
}

/** The rows from `i` split at a gutter into two columns of prose, and the row after them; or null. */
function columnBlock<T>(rows: Array<Array<TCell<T>>>, shape: TRowShape, i: number, textOf: (item: T) => string): { left: Array<Array<TCell<T>>>; right: Array<Array<TCell<T>>>; end: number } | null {
  const gutter = gutterAhead(rows, shape, i);
  if (!gutter) return null;
  // Extend while each row leaves the gutter (narrowed to what every row leaves) free.
  let free = gutter;
  let end = i + 1;
  for (; end < rows.length; end++) {
    // A row a paragraph's gap below (a footer under the columns) is not part of them.
    if (!shape.closeBelow[end]) break;
    const narrowed = freeAround(rows[end]!, shape.height[end]!, free);
    if (!narrowed) break;
    free = narrowed;
  }
  const block = rows.slice(i, end);
  const left = block.map((row) => row.filter((c) => c.box.right <= free.left)).filter((r) => r.length > 0);
  const right = block.map((row) => row.filter((c) => c.box.left >= free.right)).filter((r) => r.length > 0);
  if (left.length < MIN_COLUMN_ROWS || right.length < MIN_COLUMN_ROWS) return null;
  const extent = (side: Array<TCell<T>>) => side[side.length - 1]!.box.right - side[0]!.box.left;
  const prose = (side: Array<Array<TCell<T>>>) =>
    median(side.map(extent)) >= MIN_COLUMN_HEIGHTS * median(side.flat().map((c) => c.box.height)) &&
    letterShare(side.flat(), textOf) >= MIN_LETTER_SHARE;
  return prose(left) && prose(right) ? { left, right, end } : null;
}

/** Rows looked at together to find a gutter: enough that each side of unaligned columns shows up. */
const GUTTER_LOOKAHEAD_ROWS = 2 * MIN_COLUMN_ROWS;

/**
 * The widest gutter that rows `i`, `i + 1`, ... leave free together (the gaps in the union of their
 * cells), over as many of the next few rows as still leave one, or null when row `i` starts no columns.
 */
function gutterAhead<T>(rows: ReadonlyArray<ReadonlyArray<TCell<T>>>, shape: TRowShape, i: number): TGap | null {
  let cover: TGap[] = [];
  let best: TGap | null = null;
  for (let j = i; j < rows.length && j < i + GUTTER_LOOKAHEAD_ROWS; j++) {
    if (j > i && !shape.closeBelow[j]) break;
    cover = mergeSpans([...cover, ...rows[j]!.map((c) => ({ left: c.box.left, right: c.box.right }))]);
    if (cover.length < 2) continue;
    const h = median(shape.height.slice(i, j + 1));
    let widest: TGap | null = null;
    for (let k = 1; k < cover.length; k++) {
      const gap = { left: cover[k - 1]!.right, right: cover[k]!.left };
      if (gap.right - gap.left > GUTTER_HEIGHTS * h && (!widest || gap.right - gap.left > widest.right - widest.left)) widest = gap;
    }
    // A row holding one side shows no gap yet; once one has shown, the first row that closes it ends the look.
    if (!widest) {
      if (best) break;
      continue;
    }
    best = widest;
  }
  return best;
}

/** Spans merged where they overlap, sorted left to right. */
function mergeSpans(spans: TGap[]): TGap[] {
  const out: TGap[] = [];
  for (const s of [...spans].sort((a, b) => a.left - b.left)) {
    const last = out[out.length - 1];
    if (last && s.left <= last.right) last.right = Math.max(last.right, s.right);
    else out.push({ ...s });
  }
  return out;
}

/** Rows of one block of columns are at most this many line heights apart. */
const MAX_ROW_GAP_HEIGHTS = 1.5;

/** Each row's median line height, and whether it sits close below the row before (a paragraph's gap or more ends a block). */
type TRowShape = { height: number[]; closeBelow: boolean[] };

function rowShape<T>(rows: ReadonlyArray<ReadonlyArray<TCell<T>>>): TRowShape {
  const height = rows.map((row) => median(row.map((c) => c.box.height)));
  const closeBelow = rows.map((row, k) => {
    if (k === 0) return false;
    const bottom = Math.max(...rows[k - 1]!.map((c) => c.box.bottom));
    const top = Math.min(...row.map((c) => c.box.top));
    return top - bottom <= MAX_ROW_GAP_HEIGHTS * Math.min(height[k - 1]!, height[k]!);
  });
  return { height, closeBelow };
}

type TGap = { left: number; right: number };

/** `gap` narrowed to what `row` leaves free, or null when a cell crosses it or too little is left. */
function freeAround<T>(row: ReadonlyArray<TCell<T>>, rowHeight: number, gap: TGap): TGap | null {
  let { left, right } = gap;
  for (const c of row) {
    if (c.box.right <= gap.left || c.box.left >= gap.right) continue;
    // A cell reaching into the gap from one side narrows it; one spanning it ends the block.
    if (c.box.left <= gap.left && c.box.right >= gap.right) return null;
    if (c.box.left <= gap.left) left = Math.max(left, c.box.right);
    else if (c.box.right >= gap.right) right = Math.min(right, c.box.left);
    else return null;
  }
  return right - left > GUTTER_HEIGHTS * rowHeight * 0.5 ? { left, right } : null;
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
