/**
 * Reading order on pages rendered with a known order (real models, CPU): a label/value receipt turned
 * a few degrees, as a phone photo is, and a page with two columns of prose. The page text keeps each
 * label with its value on one line, and reads one column of prose after the other.
 */
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOcrEngine, type OcrEngine } from "./index.ts";

const ROWS: Array<[string, string]> = [
  ["SUBTOTAL", "41.50"],
  ["SERVICE TAX", "2.49"],
  ["ROUNDING", "0.01"],
  ["TOTAL", "44.00"],
  ["CASH", "50.00"],
  ["CHANGE", "6.00"],
];

/** Labels at x = 40, values right-aligned at x = 760, rows 52 px apart: rows narrower than the tilt's drift across the page. */
function receiptSvg(): Buffer {
  const rows = ROWS.map(
    ([label, value], i) =>
      `<text x="40" y="${80 + i * 52}" font-family="DejaVu Sans" font-size="30">${label}</text>` +
      `<text x="760" y="${80 + i * 52}" text-anchor="end" font-family="DejaVu Sans" font-size="30">${value}</text>`,
  );
  return Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="800" height="${80 + ROWS.length * 52}"><rect width="100%" height="100%" fill="white"/>${rows.join("")}</svg>`);
}

const TITLE = "Notes from the river valley";
const LEFT = ["The river rose at night", "and the bridge was shut", "so the farmers waited", "on the north bank until", "the water went down."];
const RIGHT = ["In the morning the mayor", "opened the old ferry", "and the market went on", "as it does every week", "since the town began."];
const FOOTER = "Printed by the valley press";

/** A title and a footer across the page, and two columns of prose between them, rows on shared baselines. */
function articleSvg(): Buffer {
  const line = (text: string, x: number, y: number, size = 26) => `<text x="${x}" y="${y}" font-family="DejaVu Sans" font-size="${size}">${text}</text>`;
  const body = LEFT.map((l, i) => line(l, 40, 130 + i * 46) + line(RIGHT[i]!, 500, 130 + i * 46)).join("");
  return Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="920" height="440"><rect width="100%" height="100%" fill="white"/>${line(TITLE, 40, 60, 32)}${body}${line(FOOTER, 40, 400)}</svg>`,
  );
}

/** Two columns whose lines do not share baselines (other sizes and spacing on each side), between a title and a footer. */
const WIDE_FOOTER = "Printed by the valley press, every week of the year";
const LEFT_UNALIGNED = [...LEFT.slice(0, 4), "the water went down", "before the sun came up."];
function unalignedSvg(): Buffer {
  const line = (text: string, x: number, y: number, size: number) => `<text x="${x}" y="${y}" font-family="DejaVu Sans" font-size="${size}">${text}</text>`;
  const left = LEFT_UNALIGNED.map((l, i) => line(l, 40, 130 + i * 40, 26)).join("");
  const right = RIGHT.slice(0, 4).map((l, i) => line(l, 500, 152 + i * 58, 22)).join("");
  return Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="920" height="440"><rect width="100%" height="100%" fill="white"/>${line(TITLE, 40, 60, 32)}${left}${right}${line(WIDE_FOOTER, 40, 400, 26)}</svg>`,
  );
}

/** Three columns of prose, each a little lower than the one before. */
const THREE = [
  ["Rain fell on the hills", "all through the week", "and the roads turned", "to mud by Friday."],
  ["The school stayed open", "though few children", "came in from farms", "beyond the river."],
  ["By Sunday the sky", "was clear again and", "the carts went out", "to the market town."],
];
function threeColumnsSvg(): Buffer {
  const lines = THREE.flatMap((col, c) => col.map((l, i) => `<text x="${40 + c * 390}" y="${80 + i * 44 + c * 9}" font-family="DejaVu Sans" font-size="24">${l}</text>`));
  return Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="1220" height="290"><rect width="100%" height="100%" fill="white"/>${lines.join("")}</svg>`);
}

let engine: OcrEngine;
beforeAll(async () => {
  engine = (await createOcrEngine({ providers: ["cpu"], threads: 2 })).engine;
}, 60_000);
afterAll(async () => engine?.release());

describe("reading order (real models, CPU)", { timeout: 60_000 }, () => {
  it.each([0, 3, -3, 5])("keeps every label with its value on a receipt turned %d°", async (deg) => {
    const png = await sharp(receiptSvg()).rotate(deg, { background: "white" }).png().toBuffer();
    const r = await engine.recognize(png);
    expect(r.text.split("\n")).toEqual(ROWS.map(([label, value]) => `${label}   ${value}`));
    // In the Markdown the label/value rows are a table, amounts right-aligned.
    const [head, ...body] = ROWS.map(([label, value]) => `| ${label} | ${value} |`);
    expect(r.markdown).toBe([head, "| --- | ---: |", ...body].join("\n"));
  });

  it.each([0, 2])("reads two columns of prose one after the other on a page turned %d°", async (deg) => {
    const png = await sharp(articleSvg()).rotate(deg, { background: "white" }).png().toBuffer();
    const r = await engine.recognize(png);
    expect(r.text.split("\n")).toEqual([TITLE, ...LEFT, ...RIGHT, FOOTER]);
  });

  it.each([0, 2])("reads two columns whose baselines do not line up one after the other, turned %d°", async (deg) => {
    const png = await sharp(unalignedSvg()).rotate(deg, { background: "white" }).png().toBuffer();
    const r = await engine.recognize(png);
    expect(r.text.split("\n")).toEqual([TITLE, ...LEFT_UNALIGNED, ...RIGHT.slice(0, 4), WIDE_FOOTER]);
  });

  it("reads three columns of prose one after another", async () => {
    const r = await engine.recognize(await sharp(threeColumnsSvg()).png().toBuffer());
    expect(r.text.split("\n")).toEqual(THREE.flat());
  });
});
