// The node's decode fails a damaged image as input error (the job fails with INVALID_INPUT, not
// retried): the same cuts and flipped bytes that the control plane lets through when it checks
// uploads by their header only (HEADROOM_UPLOAD_CHECK=header; apps/web inspect-upload.test.ts).
import { randomBytes } from "node:crypto";
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { decodeImage } from "./decode.ts";
import { OcrInputError } from "./input-error.ts";

const noisyPng = () => sharp(randomBytes(500 * 400 * 3), { raw: { width: 500, height: 400, channels: 3 } }).png().toBuffer();
const MAX_PIXELS = 4_000_000;

describe("decodeImage on a damaged file", () => {
  it("decodes the whole noisy PNG", async () => {
    expect(await decodeImage(await noisyPng(), MAX_PIXELS)).toMatchObject({ widthPx: 500, heightPx: 400, channels: 3 });
  });

  it.each([0.5, 0.9, 0.99, 0.999])("fails a PNG cut at %s of its bytes as input error", async (at) => {
    const whole = await noisyPng();
    await expect(decodeImage(whole.subarray(0, Math.floor(whole.length * at)), MAX_PIXELS)).rejects.toBeInstanceOf(OcrInputError);
  });

  it("fails a PNG whose image data is damaged in the middle or near the end as input error", async () => {
    const whole = await noisyPng();
    for (const at of [0.5, 0.97]) {
      const bad = Buffer.from(whole);
      for (let i = 0; i < 16; i++) bad[Math.floor(whole.length * at) + i]! ^= 0xff;
      await expect(decodeImage(bad, MAX_PIXELS)).rejects.toBeInstanceOf(OcrInputError);
    }
  });

  it("fails a JPEG cut part way as input error", async () => {
    const jpeg = await sharp(randomBytes(600 * 600 * 3), { raw: { width: 600, height: 600, channels: 3 } }).jpeg().toBuffer();
    for (const at of [0.3, 0.9]) await expect(decodeImage(jpeg.subarray(0, Math.floor(jpeg.length * at)), MAX_PIXELS)).rejects.toBeInstanceOf(OcrInputError);
  });
});
