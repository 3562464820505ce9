import type { TOcrLine } from "@headroom/protocol";
import { describe, expect, it } from "vitest";
import { documentMarkdown, escapeLine, groupRows, pageMarkdown } from "./markdown.ts";
import { line as L } from "./test-lines.ts";

/** Full-width rows (1000 px) at the given tops, left edge 100: body text. */
const rows = (tops: number[], x = 100) => tops.map((y, i) => L(`row ${i + 1}`, x, y, 1000));

describe("pageMarkdown", () => {
  it.each<[string, TOcrLine[], string]>([
    ["no lines", [], ""],
    ["one line", [L("Hello", 100, 100)], "Hello"],
    ["blank text is skipped", [L("  ", 100, 100), L("Hello", 100, 200)], "Hello"],
    ["two boxes of one row joined by a space", [L("world", 400, 102), L("Hello", 100, 100, 260)], "Hello world"],
    ["a column gap is three spaces", [L("CASH 50.00", 100, 100, 200), L("TOTAL 45.90", 600, 104, 220)], "CASH 50.00   TOTAL 45.90"],
    ["a slightly tilted row stays one row", [L("left", 100, 100, 100), L("middle", 215, 112, 100), L("right", 330, 124, 100)], "left middle right"],
    // Single spacing: 20 px gaps (0.5 line heights); a 70 px gap (1.75) is a paragraph break.
    ["single-spaced lines form one paragraph", rows([100, 160, 220]), "row 1\nrow 2\nrow 3"],
    ["a larger gap separates paragraphs", rows([100, 160, 220, 330, 390]), "row 1\nrow 2\nrow 3\n\nrow 4\nrow 5"],
    ["input order does not matter", rows([100, 160, 220, 330, 390]).reverse(), "row 1\nrow 2\nrow 3\n\nrow 4\nrow 5"],
    // Double spacing (60 px gaps) is the usual gap: no break; 160 px is.
    ["double-spaced lines stay one paragraph", rows([100, 200, 300, 400]), "row 1\nrow 2\nrow 3\nrow 4"],
    ["a break in double-spaced text", rows([100, 200, 300, 500, 600]), "row 1\nrow 2\nrow 3\n\nrow 4\nrow 5"],
    // Two rows only: no usual gap to compare with, so 1.2 line heights decides.
    ["two rows 0.9 heights apart", rows([100, 176]), "row 1\nrow 2"],
    ["two rows 1.5 heights apart", rows([100, 200]), "row 1\n\nrow 2"],
    [
      "a first-line indent starts a paragraph without a gap",
      [L("First para", 160, 100, 940), L("continues here", 100, 160, 1000), L("Second para", 160, 220, 940), L("goes on", 100, 280, 1000)],
      "First para\ncontinues here\n\nSecond para\ngoes on",
    ],
    [
      "an indented block ends where the margin returns",
      [L("Body text", 100, 100, 1000), L("quoted one", 300, 160, 800), L("quoted two", 300, 220, 800), L("Body again", 100, 280, 1000)],
      "Body text\n\nquoted one\nquoted two\n\nBody again",
    ],
    [
      "a larger heading above body text",
      [L("Annual Report", 100, 100, 700, 80), L("The year began", 100, 200, 1000), L("and ended", 100, 260, 1000)],
      "Annual Report\n\nThe year began\nand ended",
    ],
    [
      "short lines (an address) end in hard breaks",
      [L("ACME Corporation Ltd and Partners", 100, 100, 1000), L("12 Main St", 100, 160, 200), L("Springfield", 100, 220, 220)],
      "ACME Corporation Ltd and Partners\n12 Main St  \nSpringfield",
    ],
    [
      "list items with hanging continuation lines",
      [L("1. First item that", 100, 100, 1000), L("wraps here", 150, 160, 950), L("2. Second item", 100, 220, 1000)],
      "1. First item that\nwraps here\n\n2. Second item",
    ],
    [
      "Markdown syntax in the text is escaped",
      [L("# 12 is the total", 100, 100, 1000), L("> quoted", 100, 160, 1000), L("---", 100, 220, 1000)],
      "\\# 12 is the total\n\\> quoted\n\\---",
    ],
  ])("%s", (_, lines, expected) => {
    expect(pageMarkdown(lines)).toBe(expected);
  });

  it("options are tunable: a higher paragraph threshold merges the paragraphs", () => {
    expect(pageMarkdown(rows([100, 200]), { defaultParagraphGap: 2 })).toBe("row 1\nrow 2");
  });
});

describe("groupRows", () => {
  it("keeps a taller box in its row without swallowing the next row", () => {
    const r = groupRows([L("next", 100, 160), L("small", 250, 100), L("Big", 100, 95, 100, 50)]);
    expect(r.map((x) => x.text)).toEqual(["Big small", "next"]);
    expect(r[0]).toMatchObject({ left: 100, top: 95, bottom: 145 });
  });
});

describe("escapeLine", () => {
  it.each([
    ["plain", "plain"],
    ["#hashtag", "\\#hashtag"],
    ["> x", "\\> x"],
    ["***", "\\***"],
    ["===", "\\==="],
    ["- item", "- item"],
    ["a # b", "a # b"],
  ])("%j → %j", (text, expected) => expect(escapeLine(text)).toBe(expected));
});

describe("documentMarkdown", () => {
  it.each<[string, { page: number; markdown?: string }[], string]>([
    ["one page as it is", [{ page: 1, markdown: "Hello" }], "Hello"],
    ["no pages", [], ""],
    ["several pages under headings", [{ page: 1, markdown: "A" }, { page: 2, markdown: "" }, { page: 3, markdown: "C\n\nD" }], "## Page 1\n\nA\n\n## Page 2\n\n## Page 3\n\nC\n\nD"],
    ["a page without markdown (an older result)", [{ page: 1 }, { page: 2, markdown: "B" }], "## Page 1\n\n## Page 2\n\nB"],
  ])("%s", (_, pages, expected) => expect(documentMarkdown(pages)).toBe(expected));
});
