/**
 * Simple tables, found in the rows that reading-rows.ts already grouped: a run of rows split by
 * column gaps into the same columns. A receipt's item list (`QTY  ITEM  AMOUNT`) or its totals
 * (`SUBTOTAL  12.50`, `GST  0.75`, `TOTAL  13.25`) becomes a pipe table, so a label keeps its value
 * in the Markdown as well as on the page text's row.
 *
 * A table starts at a row of two or more segments (cells between column gaps); their spans are the
 * columns. The next row joins while it is close below (a line gap, not a paragraph gap) and each of
 * its segments overlaps exactly one column, in order, no two in the same one; the columns widen to
 * what joined. It is a table with three rows or more, at least two of them full. One pass over the
 * rows and their segments, so the Markdown stays as cheap as the paragraphs.
 */
import type { TRow, TSegment } from "./markdown.ts";

export type TTable = {
  /** Rows [start, end) of the page's rows. */
  start: number;
  end: number;
  /** cells[row][column], "" where a row has no segment in that column. */
  cells: string[][];
};

/** Rows further apart than this many line heights are not one table. */
const MAX_ROW_GAP_HEIGHTS = 1.5;
const MIN_TABLE_ROWS = 3;
const MIN_FULL_ROWS = 2;

type TSpan = { left: number; right: number };

/** Each segment's column, or null when a segment overlaps no column or several, or two share one. */
function fit(segments: readonly TSegment[], columns: readonly TSpan[]): number[] | null {
  const at: number[] = [];
  for (const s of segments) {
    const hits = columns.flatMap((c, i) => (s.left < c.right && s.right > c.left ? [i] : []));
    if (hits.length !== 1 || (at.length > 0 && hits[0]! <= at[at.length - 1]!)) return null;
    at.push(hits[0]!);
  }
  return at;
}

function closeBelow(prev: TRow, row: TRow): boolean {
  return row.top - prev.bottom <= MAX_ROW_GAP_HEIGHTS * Math.min(prev.height, row.height);
}

export function findTables(rows: readonly TRow[]): TTable[] {
  const tables: TTable[] = [];
  let i = 0;
  while (i < rows.length) {
    const first = rows[i]!;
    if (first.segments.length < 2) {
      i++;
      continue;
    }
    const columns: TSpan[] = first.segments.map((s) => ({ left: s.left, right: s.right }));
    const placed: number[][] = [first.segments.map((_, c) => c)];
    let end = i + 1;
    for (; end < rows.length; end++) {
      const row = rows[end]!;
      const at = row.segments.length >= 2 && closeBelow(rows[end - 1]!, row) ? fit(row.segments, columns) : null;
      if (!at) break;
      at.forEach((c, k) => {
        const s = row.segments[k]!;
        columns[c] = { left: Math.min(columns[c]!.left, s.left), right: Math.max(columns[c]!.right, s.right) };
      });
      placed.push(at);
    }
    const full = placed.filter((at) => at.length === columns.length).length;
    if (end - i >= MIN_TABLE_ROWS && full >= MIN_FULL_ROWS) {
      const cells = placed.map((at, r) => {
        const out = columns.map(() => "");
        at.forEach((c, k) => (out[c] = rows[i + r]!.segments[k]!.text));
        return out;
      });
      tables.push({ start: i, end, cells });
      i = end;
    } else i++;
  }
  return tables;
}

const NUMBER = /^[-+(]?[$€£¥RM]{0,2}\s?\d[\d.,]*\)?%?$/i;
const escapeCell = (text: string) => text.replace(/\\/g, "\\\\").replace(/\|/g, "\\|");

/**
 * A GitHub-flavoured pipe table; its first row is the header, as the syntax needs one. A column whose
 * body cells are all numbers is right-aligned, as amounts are printed.
 */
export function tableMarkdown(t: TTable): string {
  const [head, ...body] = t.cells;
  const numeric = head!.map((_, c) => {
    const values = body.map((r) => r[c]!).filter((v) => v.length > 0);
    return values.length > 0 && values.every((v) => NUMBER.test(v));
  });
  const line = (cells: readonly string[]) => `| ${cells.map(escapeCell).join(" | ")} |`;
  return [line(head!), `| ${numeric.map((n) => (n ? "---:" : "---")).join(" | ")} |`, ...body.map(line)].join("\n");
}
