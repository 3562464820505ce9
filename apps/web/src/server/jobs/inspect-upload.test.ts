import { randomBytes } from "node:crypto";
import { AppError } from "@headroom/protocol";
import { PDFDocument, PDFHexString, StandardFonts } from "pdf-lib";
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { pngTextBomb, pngZlibBomb } from "./bad-input-fixtures";
import { inspectUpload } from "./inspect-upload";

const limits = { maxBytes: 1_000_000, maxPixels: 4_000_000 };
const png = (w: number, h: number) => sharp({ create: { width: w, height: h, channels: 3, background: "#fff" } }).png().toBuffer();

/** A PDF with one page per entry ([width, height] in points), each with a line of text in Helvetica. */
async function pdf(pages: [number, number][], opts: { encrypted?: boolean } = {}): Promise<Buffer> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  pages.forEach((size, i) => doc.addPage(size).drawText(`Page ${i + 1}`, { x: 50, y: size[1] - 80, size: 24, font }));
  if (opts.encrypted) {
    // A standard security handler whose user password is not empty: no reader opens it without one.
    const hex = (n: number) => PDFHexString.of(randomBytes(n).toString("hex"));
    doc.context.trailerInfo.Encrypt = doc.context.register(doc.context.obj({ Filter: "Standard", V: 2, R: 3, Length: 128, P: -3904, O: hex(32), U: hex(32) }));
    const id = hex(16);
    doc.context.trailerInfo.ID = doc.context.obj([id, id]);
  }
  return Buffer.from(await doc.save({ addDefaultPage: false, useObjectStreams: false }));
}
const LETTER: [number, number] = [612, 792];

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return "accepted";
  } catch (err) {
    if (err instanceof AppError) return err.code;
    throw err;
  }
}

describe("inspectUpload", () => {
  it("accepts a PNG and reads its size", async () => {
    expect(await inspectUpload("a.png", await png(300, 200), limits)).toEqual({ mimeType: "image/png", widthPx: 300, heightPx: 200, pages: 1 });
  });

  it("reads orientation-corrected size of an EXIF-rotated JPEG", async () => {
    const jpeg = await sharp({ create: { width: 300, height: 200, channels: 3, background: "#fff" } }).jpeg().withMetadata({ orientation: 6 }).toBuffer();
    expect(await inspectUpload("r.jpg", jpeg, limits)).toMatchObject({ widthPx: 200, heightPx: 300 });
  });

  it.each<[string, () => Promise<Buffer>, string]>([
    ["zero bytes", async () => Buffer.alloc(0), "EMPTY_FILE"],
    ["text, not an image", async () => Buffer.from("hello, this is not an image at all"), "UNSUPPORTED_MEDIA_TYPE"],
    // PDFs are accepted by their bytes whatever the name; this one has no catalog.
    ["a damaged PDF named .png", async () => Buffer.from("%PDF-1.4\n%âãÏÓ\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"), "INVALID_INPUT"],
    ["over the byte limit", async () => Buffer.concat([await png(10, 10), Buffer.alloc(1_000_001)]), "FILE_TOO_LARGE"],
    ["over the pixel limit", () => png(2_100, 2_000), "TOO_MANY_PIXELS"],
    ["truncated PNG", async () => (await png(400, 400)).subarray(0, 200), "INVALID_INPUT"],
    ["truncated JPEG", async () => (await sharp({ create: { width: 600, height: 600, channels: 3, background: "#888" } }).jpeg().toBuffer()).subarray(0, 300), "INVALID_INPUT"],
  ])("refuses %s", async (_name, make, code) => {
    expect(await codeOf(inspectUpload("x.png", await make(), limits))).toBe(code);
  });

  describe("the full decode of a PNG (its last row read, every row before it decoded)", () => {
    // Noise does not compress, so the image data fills the file and a cut or a flipped byte lands in it.
    const noisy = (w: number, h: number, channels: 3 | 4 = 3) => sharp(randomBytes(w * h * channels), { raw: { width: w, height: h, channels } }).png().toBuffer();

    it("accepts a whole noisy PNG, RGB and RGBA", async () => {
      expect(await inspectUpload("n.png", await noisy(500, 400), limits)).toEqual({ mimeType: "image/png", widthPx: 500, heightPx: 400, pages: 1 });
      expect(await inspectUpload("n4.png", await noisy(300, 300, 4), limits)).toMatchObject({ widthPx: 300, heightPx: 300 });
    });

    it.each([0.5, 0.9, 0.99, 0.999])("refuses one cut at %s of its bytes as damaged or truncated", async (at) => {
      const whole = await noisy(500, 400);
      const err = await inspectUpload("cut.png", whole.subarray(0, Math.floor(whole.length * at)), limits).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: "INVALID_INPUT", message: expect.stringMatching(/damaged or truncated|cannot be read/) });
    });

    it("refuses one whose image data is damaged in the middle or near the end", async () => {
      const whole = await noisy(500, 400);
      for (const at of [0.5, 0.97]) {
        const bad = Buffer.from(whole);
        for (let i = 0; i < 16; i++) bad[Math.floor(whole.length * at) + i]! ^= 0xff;
        expect(await codeOf(inspectUpload("bad.png", bad, limits))).toBe("INVALID_INPUT");
      }
    });

    // HEADROOM_UPLOAD_CHECK=header: the pixels are the node's to decode, and it fails these as
    // INVALID_INPUT (gpu-node's image/decode.test.ts takes the same cuts and flips).
    describe("with imageCheck: header", () => {
      const header = { ...limits, imageCheck: "header" as const };

      it("accepts a PNG cut or damaged in its image data, with the header's size", async () => {
        const whole = await noisy(500, 400);
        for (const at of [0.5, 0.9, 0.99, 0.999]) {
          expect(await inspectUpload("cut.png", whole.subarray(0, Math.floor(whole.length * at)), header)).toEqual({ mimeType: "image/png", widthPx: 500, heightPx: 400, pages: 1 });
        }
        const bad = Buffer.from(whole);
        for (let i = 0; i < 16; i++) bad[Math.floor(whole.length / 2) + i]! ^= 0xff;
        expect(await inspectUpload("bad.png", bad, header)).toMatchObject({ widthPx: 500, heightPx: 400 });
      });

      it.each<[string, () => Promise<Buffer>, string]>([
        ["zero bytes", async () => Buffer.alloc(0), "EMPTY_FILE"],
        ["text, not an image", async () => Buffer.from("hello, this is not an image at all"), "UNSUPPORTED_MEDIA_TYPE"],
        ["over the pixel limit", () => png(2_100, 2_000), "TOO_MANY_PIXELS"],
        ["a PNG cut inside its header", async () => (await png(400, 400)).subarray(0, 20), "INVALID_INPUT"],
        ["a JPEG cut before its frame header", async () => (await sharp({ create: { width: 600, height: 600, channels: 3, background: "#888" } }).jpeg().toBuffer()).subarray(0, 100), "INVALID_INPUT"],
        ["a PNG zlib bomb", async () => pngZlibBomb(64 * 1024 * 1024), "DECOMPRESSION_BOMB"],
        ["a PNG text bomb", async () => pngTextBomb(64 * 1024 * 1024), "DECOMPRESSION_BOMB"],
      ])("still refuses %s", async (_name, make, code) => {
        expect(await codeOf(inspectUpload("x.png", await make(), header))).toBe(code);
      });
    });
  });

  describe("PDFs", () => {
    const pdfLimits = { ...limits, maxPages: 3 };

    it("accepts a two-page PDF: its page count, and its largest page in pixels at 150 DPI", async () => {
      expect(await inspectUpload("two.pdf", await pdf([LETTER, LETTER]), pdfLimits)).toEqual({ mimeType: "application/pdf", widthPx: 1275, heightPx: 1650, pages: 2 });
      // A landscape A4 page is the largest of these.
      expect(await inspectUpload("mixed.pdf", await pdf([[300, 300], [842, 595], LETTER]), pdfLimits)).toMatchObject({ widthPx: 1754, heightPx: 1239, pages: 3 });
    });

    it("reports a page over the pixel limit at the size the node will render it", async () => {
      const r = await inspectUpload("poster.pdf", await pdf([[2448, 3168]]), pdfLimits);
      expect(r.widthPx * r.heightPx).toBeLessThanOrEqual(limits.maxPixels);
      expect(r.widthPx / r.heightPx).toBeCloseTo(2448 / 3168, 2);
    });

    it("accepts exactly the page cap and defaults the cap to 50", async () => {
      expect((await inspectUpload("three.pdf", await pdf([LETTER, LETTER, LETTER]), pdfLimits)).pages).toBe(3);
      expect(await codeOf(inspectUpload("51.pdf", await pdf(Array.from({ length: 51 }, () => LETTER)), limits))).toBe("TOO_MANY_PAGES");
    });

    it.each<[string, () => Promise<Buffer>, string, RegExp]>([
      ["over the page cap", () => pdf([LETTER, LETTER, LETTER, LETTER]), "TOO_MANY_PAGES", /4 pages (\(as the PDF.s page tree claims\) )?is over the limit of 3/],
      ["encrypted", () => pdf([LETTER], { encrypted: true }), "ENCRYPTED_PDF", /encrypted and needs a password/],
      ["truncated", async () => (await pdf([LETTER, LETTER])).subarray(0, 400), "INVALID_INPUT", /damaged or truncated/],
      ["without pages", () => pdf([]), "INVALID_INPUT", /no pages/],
    ])("refuses a PDF %s", async (_name, make, code, message) => {
      const err = await inspectUpload("x.pdf", await make(), pdfLimits).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AppError);
      expect((err as AppError).code).toBe(code);
      expect((err as AppError).message).toMatch(message);
      expect((err as AppError).message).toMatch(/^x\.pdf: /);
    });

    it("counts the frames of a multi-frame image against the same cap", async () => {
      // Distinct frames: the GIF encoder merges identical ones.
      const frame = (i: number) => sharp({ create: { width: 40, height: 30, channels: 3, background: { r: 60 * i, g: 0, b: 0 } } }).png().toBuffer();
      const gif = async (n: number) => sharp(await Promise.all(Array.from({ length: n }, (_, i) => frame(i))), { join: { animated: true } }).gif().toBuffer();
      expect(await inspectUpload("three.gif", await gif(3), pdfLimits)).toMatchObject({ mimeType: "image/gif", pages: 3, widthPx: 40, heightPx: 30 });
      expect(await codeOf(inspectUpload("four.gif", await gif(4), pdfLimits))).toBe("TOO_MANY_PAGES");
    });
  });
});
