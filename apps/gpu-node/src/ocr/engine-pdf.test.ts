/**
 * PDFs and multi-frame images through the real PP-OCRv4 engine on the CPU provider: one page of the
 * result per PDF page (or image frame), numbered from 1, with Markdown per page and for the document.
 */
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ZOcrResultSchema } from "@headroom/protocol";
import { renderPng } from "../../test-fixtures/render-text.ts";
import { encryptedPdf, textPdf, zeroPagePdf } from "../pdf/test-pdfs.ts";
import { createOcrEngine, OcrInputError, type OcrEngine } from "./index.ts";

let engine: OcrEngine;
beforeAll(async () => {
  engine = (await createOcrEngine({ providers: ["cpu"], threads: 2, maxPages: 3 })).engine;
}, 60_000);
afterAll(async () => engine?.release());

const inputError = async (p: Promise<unknown>) => {
  const err = await p.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(OcrInputError);
  return (err as Error).message;
};

describe("PDF input (real models, CPU)", { timeout: 90_000 }, () => {
  it("reads a two-page PDF page by page, text in a standard font", async () => {
    const pdf = await textPdf([["Invoice number 4711", "Total due 120 EUR"], ["Second page of the letter"]]);
    const r = ZOcrResultSchema.parse(await engine.recognize(pdf));
    expect(r.pages.map((p) => p.page)).toEqual([1, 2]);
    // US Letter at the default 150 DPI
    expect(r.pages.map((p) => [p.widthPx, p.heightPx])).toEqual([
      [1275, 1650],
      [1275, 1650],
    ]);
    expect(r.pages[0]!.lines.map((l) => l.text)).toEqual(["Invoice number 4711", "Total due 120 EUR"]);
    expect(r.pages[1]!.lines.map((l) => l.text)).toEqual(["Second page of the letter"]);
    expect(r.text).toBe("Invoice number 4711\nTotal due 120 EUR\n\nSecond page of the letter");
    expect(r.pages[0]!.markdown).toBe("Invoice number 4711\nTotal due 120 EUR");
    expect(r.markdown).toBe("## Page 1\n\nInvoice number 4711\nTotal due 120 EUR\n\n## Page 2\n\nSecond page of the letter");
    expect(r.timingsMs.decode).toBeGreaterThan(0);
  });

  it.each([
    ["an encrypted PDF", () => encryptedPdf(), /encrypted/],
    ["a PDF without pages", () => zeroPagePdf(), /no pages/],
    ["a truncated PDF", async () => (await textPdf([["x"]])).subarray(0, 400), /damaged|cannot be read/],
    ["a PDF over the page cap (3)", () => textPdf([["1"], ["2"], ["3"], ["4"]]), /4 pages, over the limit of 3/],
  ])("refuses %s with OcrInputError, and keeps serving", async (_, make, message) => {
    expect(await inputError(engine.recognize(await make()))).toMatch(message);
  });

  it("reads every frame of an animated GIF as its own page", async () => {
    const frames = await Promise.all(["Frame one text", "Frame two text"].map((text) => renderPng([{ text, sizePx: 40 }])));
    const gif = await sharp(frames, { join: { animated: true } }).gif().toBuffer();
    expect((await sharp(gif).metadata()).pages).toBe(2);
    const r = await engine.recognize(gif);
    expect(r.pages.map((p) => [p.page, p.text])).toEqual([
      [1, "Frame one text"],
      [2, "Frame two text"],
    ]);
  });

  it("refuses a multi-page TIFF over the page cap", async () => {
    const frames = await Promise.all(["a", "b", "c", "d"].map((text) => renderPng([{ text, sizePx: 40 }])));
    const tiff = await sharp(frames, { join: { animated: true } }).tiff().toBuffer();
    expect((await sharp(tiff).metadata()).pages).toBe(4);
    expect(await inputError(engine.recognize(tiff))).toMatch(/4 frames \(pages\), over the limit of 3/);
  });
});
