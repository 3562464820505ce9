/**
 * Markdown from recognised lines, by geometry alone. Lines whose boxes share a row are joined left to
 * right (a word gap becomes one space, a wider gap three); rows are grouped into paragraphs, and a
 * new paragraph starts where
 *   - the vertical gap to the previous row is clearly larger than the page's usual line gap,
 *   - the text size changes markedly (a heading above body text),
 *   - a row is indented against the paragraph's left edge (a first-line indent), or
 *   - a row starts left of an indented paragraph (the end of an indented block).
 * Inside a paragraph, a row that stops well short of the paragraph's right edge (an address, a
 * list) ends with a hard line break, so it does not run into the next. Pages are joined under
 * `## Page N` headings when there is more than one.
 */
import type { TOcrLine } from "@headroom/protocol";
import type { TPoint } from "./geometry.ts";
import { findTables, tableMarkdown } from "./markdown-table.ts";
import { median, readingRows, type TUprightBox } from "./reading-rows.ts";

export type TMarkdownOptions = {
  /**
   * Vertical gaps are measured in line heights (a detected box is about the height of capitals, some
   * 0.8 of the font size). With the page's usual line gap known (three rows or more), a gap starts a
   * paragraph above the largest of: `minParagraphGap`, `gapFactor` × usual, usual + `gapMargin`.
   */
  gapFactor: number;
  gapMargin: number;
  minParagraphGap: number;
  /** Without a usual gap (two rows), a gap above this starts a paragraph. */
  defaultParagraphGap: number;
  /** Left edges within this share of the line height count as aligned. */
  alignTolerance: number;
  /** Heights differing by more than this ratio start a paragraph (1.4 = 40 % taller). */
  sizeRatio: number;
  /** A row ending more than this many line heights before the paragraph's right edge ends in a hard break. */
  shortLineHeights: number;
  /** A horizontal gap inside a row wider than this many line heights is a column gap (three spaces). */
  columnGapHeights: number;
  /** Runs of rows with the same columns as pipe tables (markdown-table.ts); off: paragraphs only. */
  tables: boolean;
};

export const DEFAULT_MARKDOWN_OPTIONS: TMarkdownOptions = {
  gapFactor: 1.6,
  gapMargin: 0.4,
  minParagraphGap: 0.8,
  defaultParagraphGap: 1.2,
  alignTolerance: 0.6,
  sizeRatio: 1.4,
  shortLineHeights: 4,
  columnGapHeights: 1.5,
  tables: true,
};

type TBox = TUprightBox & { text: string };
/** A run of a row's cells between column gaps: one table cell when the row is part of a table. */
export type TSegment = { text: string; left: number; right: number };
export type TRow = TBox & { cells: TBox[]; segments: TSegment[] };

/**
 * Lines grouped into rows in the page's deskewed frame (reading-rows.ts), each read left to right; a
 * row's text joins its cells with one space, or three across a column gap.
 */
export function groupRows(lines: readonly TOcrLine[], o: TMarkdownOptions = DEFAULT_MARKDOWN_OPTIONS): TRow[] {
  const kept = lines.filter((l) => l.text.trim().length > 0);
  return readingRows(kept, (l) => l.box as TPoint[], (l) => l.text).map((row) => {
    const cells: TBox[] = row.map(({ item, box }) => ({ ...box, text: item.text.trim() }));
    const top = Math.min(...cells.map((c) => c.top));
    const bottom = Math.max(...cells.map((c) => c.bottom));
    const height = median(cells.map((c) => c.height));
    // A word gap the detector split on becomes one space; a column gap three.
    const segments: TSegment[] = [];
    cells.forEach((c, i) => {
      const seg = segments[segments.length - 1];
      if (seg && c.left - cells[i - 1]!.right <= o.columnGapHeights * height) Object.assign(seg, { text: `${seg.text} ${c.text}`, right: Math.max(seg.right, c.right) });
      else segments.push({ text: c.text, left: c.left, right: c.right });
    });
    const text = segments.map((s) => s.text).join("   ");
    return { text, cells, segments, left: cells[0]!.left, right: Math.max(...cells.map((c) => c.right)), top, bottom, height };
  });
}

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * (s.length - 1)))]!;
}

const LIST_MARKER = /^([-*+•·▪‣◦]|\(?\d{1,3}[.)]|\(?[a-z][.)])\s/i;

/** Rows grouped into paragraphs; each paragraph is a list of rows. */
export function groupParagraphs(rows: readonly TRow[], o: TMarkdownOptions = DEFAULT_MARKDOWN_OPTIONS): TRow[][] {
  if (rows.length === 0) return [];
  const gaps = rows.slice(1).map((r, i) => Math.max(0, r.top - rows[i]!.bottom) / Math.min(r.height, rows[i]!.height));
  // The usual gap between lines, in line heights: a low quantile, so that many paragraph breaks on a
  // page do not pass for the line spacing.
  const usualGap = gaps.length >= 2 ? quantile(gaps, 0.25) : null;
  const paragraphGap = usualGap === null ? o.defaultParagraphGap : Math.max(o.minParagraphGap, o.gapFactor * usualGap, usualGap + o.gapMargin);
  const paragraphs: TRow[][] = [[rows[0]!]];
  for (let i = 1; i < rows.length; i++) {
    const prev = rows[i - 1]!;
    const row = rows[i]!;
    const para = paragraphs[paragraphs.length - 1]!;
    const h = Math.min(prev.height, row.height);
    const gap = gaps[i - 1]!;
    const tol = o.alignTolerance * h;
    const first = para[0]!;
    // A first-line indent: the paragraph's first row starts right of its second.
    const firstIndented = para.length >= 2 && first.left > para[1]!.left + tol;
    const bodyLeft = para.length >= 2 ? para[para.length - 1]!.left : first.left;
    // A list item's wrapped lines hang right of its marker without starting a paragraph.
    const hanging = para.length === 1 && LIST_MARKER.test(first.text);
    const breaks =
      gap > paragraphGap ||
      Math.max(prev.height, row.height) / h > o.sizeRatio ||
      (row.left > bodyLeft + tol && !hanging) ||
      (para.length >= 2 && row.left < bodyLeft - tol && !firstIndented);
    if (breaks) paragraphs.push([row]);
    else para.push(row);
  }
  return paragraphs;
}

/** Escape what would otherwise turn a line of text into Markdown structure (a heading, a quote, a rule). */
export function escapeLine(text: string): string {
  if (/^\s*([-*_=])(\s*\1){2,}\s*$/.test(text)) return `\\${text.trimStart()}`;
  return text.replace(/^(\s*)([#>])/, "$1\\$2");
}

/**
 * One page's lines as Markdown: simple tables (markdown-table.ts) as pipe tables, the rest as
 * paragraphs, a blank line between blocks.
 */
export function pageMarkdown(lines: readonly TOcrLine[], o: Partial<TMarkdownOptions> = {}): string {
  const opts = { ...DEFAULT_MARKDOWN_OPTIONS, ...o };
  const rows = groupRows(lines, opts);
  const blocks: string[] = [];
  let from = 0;
  for (const t of opts.tables ? findTables(rows) : []) {
    blocks.push(paragraphsMarkdown(rows.slice(from, t.start), opts), tableMarkdown(t));
    from = t.end;
  }
  blocks.push(paragraphsMarkdown(rows.slice(from), opts));
  return blocks.filter((b) => b.length > 0).join("\n\n");
}

function paragraphsMarkdown(rows: readonly TRow[], opts: TMarkdownOptions): string {
  return groupParagraphs(rows, opts)
    .map((rows) => {
      const right = Math.max(...rows.map((r) => r.right));
      return rows
        .map((r, i) => {
          const last = i === rows.length - 1;
          const hardBreak = !last && right - r.right > opts.shortLineHeights * r.height;
          return escapeLine(r.text) + (last ? "" : hardBreak ? "  \n" : "\n");
        })
        .join("");
    })
    .join("\n\n");
}

/** The whole document: one page as it is; several under `## Page N` headings. */
export function documentMarkdown(pages: readonly { page: number; markdown?: string | undefined }[]): string {
  if (pages.length === 1) return pages[0]!.markdown ?? "";
  return pages.map((p) => `## Page ${p.page}\n\n${p.markdown ?? ""}`.trimEnd()).join("\n\n");
}
