import { AppError } from "@headroom/protocol";
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { inspectUpload } from "./inspect-upload";

const limits = { maxBytes: 1_000_000, maxPixels: 4_000_000 };
const png = (w: number, h: number) => sharp({ create: { width: w, height: h, channels: 3, background: "#fff" } }).png().toBuffer();

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
    ["a PDF named .png", async () => Buffer.from("%PDF-1.4\n%âãÏÓ\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"), "UNSUPPORTED_MEDIA_TYPE"],
    ["over the byte limit", async () => Buffer.concat([await png(10, 10), Buffer.alloc(1_000_001)]), "FILE_TOO_LARGE"],
    ["over the pixel limit", () => png(2_100, 2_000), "TOO_MANY_PIXELS"],
    ["truncated PNG", async () => (await png(400, 400)).subarray(0, 200), "INVALID_INPUT"],
    ["truncated JPEG", async () => (await sharp({ create: { width: 600, height: 600, channels: 3, background: "#888" } }).jpeg().toBuffer()).subarray(0, 300), "INVALID_INPUT"],
  ])("refuses %s", async (_name, make, code) => {
    expect(await codeOf(inspectUpload("x.png", await make(), limits))).toBe(code);
  });
});
