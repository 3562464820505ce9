import { PDFDocument, StandardFonts } from "pdf-lib";
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { renderPdfPage } from "./pdf-preview";

async function twoPages(): Promise<Buffer> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  doc.addPage([595, 842]).drawText("first", { x: 60, y: 700, size: 28, font });
  doc.addPage([842, 595]).drawText("second page, landscape", { x: 60, y: 400, size: 28, font });
  return Buffer.from(await doc.save());
}

describe("renderPdfPage", () => {
  it("renders the asked page, bounded, with its text drawn", async () => {
    const png = await renderPdfPage(await twoPages(), 2, 800);
    const meta = await sharp(png).metadata();
    expect([meta.width, meta.height]).toEqual([800, 566]);
    const { channels } = await sharp(png).stats();
    expect(channels[0]!.min).toBeLessThan(64); // dark glyph pixels on the white page
    expect(channels[0]!.max).toBe(255);
  });

  it("has no page past the last", async () => {
    await expect(renderPdfPage(await twoPages(), 3, 800)).rejects.toMatchObject({ code: "NOT_FOUND" });
  });
});
