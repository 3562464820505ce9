/**
 * Upside-down lines and turned pages, end to end with the real models on the CPU provider. Every
 * image is rendered here; each case is read upright as well, so a miss is the orientation's fault.
 */
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TOcrPage } from "@headroom/protocol";
import { renderPng, type TTextSpec } from "../../test-fixtures/render-text.ts";
import { createOcrEngine, type OcrEngine } from "./index.ts";

const FONTS: Array<{ font: string; text: string }> = [
  { font: "DejaVu Sans", text: "Upside down is read the right way up" },
  { font: "DejaVu Serif", text: "Printed receipts come in every font" },
  { font: "Noto Sans CJK SC", text: "显存余量调度文字识别" },
];
const SIZES_PX = [24, 32, 40, 48];
const RECEIPT = ["HEADROOM CAFE", "12 Queue Street, Leeds", "Flat white x2 9.00", "Banana bread 4.50", "Total due 13.50", "Thank you for visiting"];

let engine: OcrEngine;
beforeAll(async () => {
  engine = (await createOcrEngine({ providers: ["cpu"], threads: 2 })).engine;
}, 60_000);
afterAll(async () => engine?.release());

const readPage = async (img: Buffer): Promise<TOcrPage> => (await engine.recognize(img)).pages[0]!;
const texts = (p: TOcrPage) => p.lines.map((l) => l.text);
const turn = async (png: Buffer, deg: number) => sharp(png).rotate(deg).png().toBuffer();

describe("orientation (real models, CPU)", { timeout: 120_000 }, () => {
  describe.each(FONTS)("a single line in $font", ({ font, text }) => {
    it.each(SIZES_PX)("reads it at %i px, upright and turned 180°", async (sizePx) => {
      const png = await renderPng([{ text, font, sizePx }], { widthPx: Math.max(1000, text.length * sizePx) });
      expect(texts(await readPage(png))).toEqual([text]);
      expect(texts(await readPage(await turn(png, 180)))).toEqual([text]);
    });
  });

  it("reads the issue's line: plain sans-serif at 40 px, turned 180°", async () => {
    const text = "upside down as you can see";
    const page = await readPage(await turn(await renderPng([{ text, sizePx: 40 }]), 180));
    expect(texts(page)).toEqual([text]);
    expect(page.lines[0]!.confidence).toBeGreaterThan(0.9);
  });

  it("reads a page mixing upright and upside-down lines, each the right way up, in order", async () => {
    const spec = (text: string): TTextSpec => ({ text, sizePx: 36 });
    const rows = await Promise.all(["Memory headroom first", "then the queue age", "and priority last", "Jobs wait for room"].map((t) => renderPng([spec(t)], { widthPx: 800 })));
    // Rows 2 and 4 are turned 180° in place; each rendered row is 800 × 140 px.
    const parts = await Promise.all(rows.map((png, i) => (i % 2 ? turn(png, 180) : png)));
    const page = await sharp({ create: { width: 800, height: 140 * rows.length, channels: 3, background: "white" } })
      .composite(parts.map((input, i) => ({ input, left: 0, top: 140 * i })))
      .png()
      .toBuffer();
    expect(texts(await readPage(page))).toEqual(["Memory headroom first", "then the queue age", "and priority last", "Jobs wait for room"]);
  });

  describe("a whole receipt turned", () => {
    let upright: Buffer;
    let uprightPage: TOcrPage;
    beforeAll(async () => {
      upright = await renderPng(RECEIPT.map((text) => ({ text, sizePx: 32 })), { widthPx: 640, lineGapPx: 56 });
      uprightPage = await readPage(upright);
    }, 60_000);

    it("reads upright as the reference", () => expect(texts(uprightPage)).toEqual(RECEIPT));

    it.each([90, 180, 270])("reads it turned %i°, lines in order, boxes in the turned image's pixels", async (deg) => {
      const png = await turn(upright, deg);
      const meta = await sharp(png).metadata();
      const page = await readPage(png);
      expect(texts(page)).toEqual(RECEIPT);
      expect([page.widthPx, page.heightPx]).toEqual([meta.width, meta.height]);
      // Each box, turned back to the upright image, lands on the upright reading's box (within a few px).
      page.lines.forEach((line, i) => {
        const ref = uprightPage.lines[i]!.box;
        const centre = (q: ReadonlyArray<readonly [number, number]>) => [q.reduce((s, p) => s + p[0], 0) / 4, q.reduce((s, p) => s + p[1], 0) / 4] as const;
        const [x, y] = centre(line.box);
        const [ux, uy] = back(x, y, deg, meta.width!, meta.height!);
        const [rx, ry] = centre(ref);
        expect(Math.abs(ux - rx)).toBeLessThan(8);
        expect(Math.abs(uy - ry)).toBeLessThan(8);
      });
    });
  });
});

/** A point of an image turned `deg` clockwise (sharp's rotate), in the unturned image's pixels. */
function back(x: number, y: number, deg: number, widthPx: number, heightPx: number): [number, number] {
  if (deg === 90) return [y, widthPx - 1 - x];
  if (deg === 180) return [widthPx - 1 - x, heightPx - 1 - y];
  if (deg === 270) return [heightPx - 1 - y, x];
  return [x, y];
}
