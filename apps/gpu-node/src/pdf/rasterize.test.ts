import { describe, expect, it } from "vitest";
import { OcrInputError } from "../image/input-error.ts";
import { countPdfPages, isPdf, rasterizePdf, rasterSize, type TPdfPageRaster } from "./rasterize.ts";
import { encryptedPdf, textPdf, zeroPagePdf } from "./test-pdfs.ts";

const all = async (it: AsyncIterable<TPdfPageRaster>) => {
  const out: TPdfPageRaster[] = [];
  for await (const p of it) out.push(p);
  return out;
};
const inputError = async (p: Promise<unknown>) => {
  const err = await p.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(OcrInputError);
  return (err as Error).message;
};
/** Share of dark pixels in an RGBA raster. */
const inkShare = (r: TPdfPageRaster) => {
  let dark = 0;
  for (let i = 0; i < r.rgba.length; i += 4) if (r.rgba[i]! < 128) dark++;
  return dark / (r.widthPx * r.heightPx);
};

describe("isPdf", () => {
  it.each([
    ["%PDF-1.7\n", true],
    ["\ufeff%PDF-1.4", true],
    ["\r\n  %PDF-2.0", true],
    ["%PDF", false],
    ["GIF89a%PDF-", false],
    ["", false],
  ])("%j → %s", (head, expected) => {
    expect(isPdf(Buffer.from(head, "utf8"))).toBe(expected);
  });
});

describe("rasterSize", () => {
  it.each([
    // US Letter at 150 and 300 DPI
    [612, 792, 150, Infinity, 1275, 1650, 150],
    [612, 792, 300, Infinity, 2550, 3300, 300],
    // A huge page scaled to fit 4 MP, keeping the aspect ratio
    [6120, 7920, 150, 4_000_000, 1758, 2275, 20.68],
    // Canvas side limit
    [72 * 400, 72, 150, Infinity, 16384, 40, 40.96],
  ])("%d×%d pt at %d dpi, max %d px → %d×%d", (w, h, dpi, maxPixels, ew, eh, edpi) => {
    const s = rasterSize(w, h, dpi, maxPixels);
    expect([s.widthPx, s.heightPx]).toEqual([ew, eh]);
    expect(s.dpi).toBeCloseTo(edpi, 0);
    expect(s.widthPx * s.heightPx).toBeLessThanOrEqual(maxPixels);
  });
});

describe("rasterizePdf", () => {
  it("renders each page of a two-page PDF at the requested DPI, with its text drawn", async () => {
    const pdf = await textPdf([["First page"], ["Second page", "more text"]]);
    expect(await countPdfPages(pdf)).toBe(2);
    const pages = await all(rasterizePdf(pdf, { dpi: 100 }));
    expect(pages.map((p) => [p.page, p.pageCount, p.widthPx, p.heightPx])).toEqual([
      [1, 2, 850, 1100],
      [2, 2, 850, 1100],
    ]);
    for (const p of pages) {
      expect(p.rgba.length).toBe(p.widthPx * p.heightPx * 4);
      // The standard font rendered: some ink, mostly white paper.
      expect(inkShare(p)).toBeGreaterThan(0.001);
      expect(inkShare(p)).toBeLessThan(0.05);
    }
    expect(inkShare(pages[1]!)).toBeGreaterThan(inkShare(pages[0]!));
  });

  it("honours the page's /Rotate", async () => {
    const { PDFDocument, degrees } = await import("pdf-lib");
    const doc = await PDFDocument.load(await textPdf([["Rotated"]]));
    doc.getPage(0).setRotation(degrees(90));
    const [p] = await all(rasterizePdf(Buffer.from(await doc.save()), { dpi: 72 }));
    expect([p!.widthPx, p!.heightPx]).toEqual([792, 612]);
  });

  it("stops early without rendering the rest when the caller breaks out", async () => {
    const pdf = await textPdf([["a"], ["b"], ["c"]]);
    const seen: number[] = [];
    for await (const p of rasterizePdf(pdf, { dpi: 36 })) {
      seen.push(p.page);
      if (p.page === 1) break;
    }
    expect(seen).toEqual([1]);
  });

  it.each([
    ["an empty page tree", () => zeroPagePdf(), /no pages/],
    ["a password-protected PDF", () => encryptedPdf(), /encrypted and needs a password/],
    ["a truncated PDF", async () => (await textPdf([["x"], ["y"]])).subarray(0, 300), /damaged|cannot be read/],
    ["garbage after the signature", async () => Buffer.from("%PDF-1.7\n%%garbage\n"), /damaged|cannot be read/],
  ])("refuses %s with OcrInputError", async (_, make, message) => {
    const bytes = await make();
    expect(await inputError(all(rasterizePdf(bytes)))).toMatch(message);
    expect(await inputError(countPdfPages(bytes))).toMatch(message);
  });

  it("refuses a PDF over the page cap before rendering any page", async () => {
    const pdf = await textPdf([["1"], ["2"], ["3"]]);
    expect(await inputError(all(rasterizePdf(pdf, { maxPages: 2 })))).toBe("the PDF has 3 pages, over the limit of 2");
    expect(await all(rasterizePdf(pdf, { maxPages: 3, dpi: 20 }))).toHaveLength(3);
  });

  it("stops between pages when aborted", async () => {
    const pdf = await textPdf([["1"], ["2"]]);
    const ac = new AbortController();
    const seen: number[] = [];
    const run = (async () => {
      for await (const p of rasterizePdf(pdf, { dpi: 36, signal: ac.signal })) {
        seen.push(p.page);
        ac.abort(new Error("stop"));
      }
    })();
    await expect(run).rejects.toThrow("stop");
    expect(seen).toEqual([1]);
  });
});
