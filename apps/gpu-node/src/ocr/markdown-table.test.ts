import type { TOcrLine } from "@headroom/protocol";
import { describe, expect, it } from "vitest";
import { pageMarkdown } from "./markdown.ts";
import { line as L } from "./test-lines.ts";

/** One row of cells at `y`: [text, left] pairs. */
const row = (y: number, ...cells: Array<[string, number]>) => cells.map(([t, x]) => L(t, x, y));

describe("pageMarkdown: simple tables", () => {
  it("a receipt's item list becomes a table, amounts right-aligned", () => {
    const lines = [
      ...row(100, ["QTY", 100], ["ITEM", 300], ["AMOUNT", 800]),
      ...row(160, ["2", 120], ["COFFEE", 300], ["7.00", 840]),
      ...row(220, ["1", 120], ["TOAST | JAM", 300], ["5.50", 840]),
    ];
    expect(pageMarkdown(lines)).toBe("| QTY | ITEM | AMOUNT |\n| ---: | --- | ---: |\n| 2 | COFFEE | 7.00 |\n| 1 | TOAST \\| JAM | 5.50 |");
  });

  it("label/value rows keep each label with its value, and the text around stays paragraphs", () => {
    const lines = [
      L("THANK YOU FOR SHOPPING", 100, 0, 1000),
      ...row(100, ["SUBTOTAL", 100], ["12.50", 800]),
      ...row(160, ["GST 6%", 100], ["0.75", 820]),
      ...row(220, ["TOTAL", 100], ["13.25", 800]),
      L("Please come again", 100, 400, 1000),
    ];
    expect(pageMarkdown(lines)).toBe("THANK YOU FOR SHOPPING\n\n| SUBTOTAL | 12.50 |\n| --- | ---: |\n| GST 6% | 0.75 |\n| TOTAL | 13.25 |\n\nPlease come again");
  });

  it("a row missing a cell keeps its columns", () => {
    const lines = [...row(100, ["A", 100], ["B", 400], ["C", 800]), ...row(160, ["x", 100], ["z", 800]), ...row(220, ["p", 100], ["q", 400], ["r", 800])];
    expect(pageMarkdown(lines)).toBe("| A | B | C |\n| --- | --- | --- |\n| x |  | z |\n| p | q | r |");
  });

  it("a tilted table is still found (rows in the deskewed frame)", () => {
    const t = Math.tan((3 * Math.PI) / 180);
    const tilt = (text: string, x: number, y: number): TOcrLine => {
      const w = text.length * 20;
      return { text, confidence: 0.9, box: [[x, y + x * t], [x + w, y + (x + w) * t], [x + w, y + 40 + (x + w) * t], [x, y + 40 + x * t]] };
    };
    const lines = [tilt("SUBTOTAL", 100, 100), tilt("12.50", 800, 100), tilt("TAX", 100, 160), tilt("0.75", 820, 160), tilt("TOTAL", 100, 220), tilt("13.25", 800, 220), L("a wide line of text that sets the skew", 100, 300, 900)];
    expect(pageMarkdown(lines).split("\n").slice(0, 5)).toEqual(["| SUBTOTAL | 12.50 |", "| --- | ---: |", "| TAX | 0.75 |", "| TOTAL | 13.25 |", ""]);
  });

  it.each<[string, TOcrLine[]]>([
    ["two rows are not a table", [...row(100, ["SUBTOTAL", 100], ["12.50", 800]), ...row(160, ["TOTAL", 100], ["13.25", 800])]],
    ["columns that do not line up are not a table", [...row(100, ["A", 100], ["B", 800]), ...row(160, ["C", 100], ["D", 400]), ...row(220, ["E", 100], ["F", 600])]],
    ["rows a paragraph apart are not one table", [...row(100, ["A", 100], ["1", 800]), ...row(160, ["B", 100], ["2", 800]), ...row(400, ["C", 100], ["3", 800])]],
    ["a segment spanning two columns ends the table", [...row(100, ["A", 100], ["B", 400], ["C", 800]), ...row(160, ["1", 100], ["2", 400], ["3", 800]), ...row(220, ["a long description", 100], ["9", 800])]],
  ])("%s", (_, lines) => {
    expect(pageMarkdown(lines)).not.toContain("|");
  });
});
