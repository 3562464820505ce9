/**
 * End-to-end tests with the real PP-OCRv4 models on the CPU provider. Images are rendered in the test.
 */
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ZOcrResultSchema } from "@headroom/protocol";
import { renderPng } from "../../test-fixtures/render-text.ts";
import { createOcrEngine, OcrInputError, type OcrEngine } from "./index.ts";

const EN = "Headroom keeps every GPU alive 2026";
const ZH = "显存余量调度文字识别";

let engine: OcrEngine;
beforeAll(async () => {
  const created = await createOcrEngine({ providers: ["bogus", "cpu"], threads: 2 });
  engine = created.engine;
  expect(created.providerNotes[0]).toMatchObject({ provider: "bogus", ok: false });
  expect(created.providerNotes[1]).toEqual({ provider: "cpu", ok: true });
}, 60_000);
afterAll(async () => engine?.release());

const lineTexts = async (img: Buffer) => (await engine.recognize(img)).pages[0]!.lines.map((l) => l.text);

describe("OCR engine (real models, CPU)", { timeout: 60_000 }, () => {
  it("reads a printed English line character for character, with a well-formed result", async () => {
    const png = await renderPng([{ text: EN, sizePx: 40 }]);
    const r = await engine.recognize(png);
    expect(ZOcrResultSchema.parse(r)).toBeTruthy();
    expect(r.text).toBe(EN);
    expect(r.model).toBe("pp-ocrv4");
    expect(r.provider).toBe("cpu");
    expect(Object.keys(r.timingsMs).sort()).toEqual(["classify", "crop", "decode", "detect", "post", "recognize"]);
    const page = r.pages[0]!;
    expect([page.widthPx, page.heightPx]).toEqual([1000, 140]);
    const [tl, tr, br, bl] = page.lines[0]!.box;
    // Text starts at x = 40 and sits around y = 40..80; corners run clockwise from the top left.
    expect(tl![0]).toBeGreaterThan(25);
    expect(tl![0]).toBeLessThan(45);
    expect(tr![0]).toBeGreaterThan(tl![0] + 600);
    expect(bl![1]).toBeGreaterThan(tl![1] + 25);
    expect(br![1]).toBeGreaterThan(tr![1] + 25);
    expect(page.lines[0]!.confidence).toBeGreaterThan(0.8);
  });

  it("reads a Chinese line", async () => {
    expect(await lineTexts(await renderPng([{ text: ZH, font: "Noto Sans CJK SC", sizePx: 40 }]))).toEqual([ZH]);
  });

  it("returns a paragraph in reading order", async () => {
    const para = ["Memory headroom first", "then the queue age", "and priority last"];
    const r = await engine.recognize(await renderPng(para.map((text) => ({ text, sizePx: 36 }))));
    expect(r.pages[0]!.lines.map((l) => l.text)).toEqual(para);
    expect(r.text).toBe(para.join("\n"));
  });

  it("reads two columns of one row left to right", async () => {
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="1000" height="120"><rect width="100%" height="100%" fill="white"/>
      <text x="560" y="70" font-family="DejaVu Sans" font-size="36">TOTAL 45.90</text>
      <text x="40" y="74" font-family="DejaVu Sans" font-size="36">CASH 50.00</text></svg>`;
    expect(await lineTexts(await sharp(Buffer.from(svg)).png().toBuffer())).toEqual(["CASH 50.00", "TOTAL 45.90"]);
  });

  it.each([90, 270, 180])("reads a line rotated by %i°", async (deg) => {
    const png = await sharp(await renderPng([{ text: EN, sizePx: 40 }])).rotate(deg).png().toBuffer();
    expect(await lineTexts(png)).toEqual([EN]);
  });

  it("applies EXIF orientation from a JPEG", async () => {
    const upright = await renderPng([{ text: EN, sizePx: 40 }]);
    // Stored turned 90° anticlockwise, tagged orientation 6 ("rotate 90° clockwise to display").
    const jpeg = await sharp(upright).rotate(-90).jpeg({ quality: 95 }).withMetadata({ orientation: 6 }).toBuffer();
    expect((await sharp(jpeg).metadata()).orientation).toBe(6);
    const r = await engine.recognize(jpeg);
    expect([r.pages[0]!.widthPx, r.pages[0]!.heightPx]).toEqual([1000, 140]);
    expect(r.text).toBe(EN);
  });

  it("flattens a transparent PNG onto white", async () => {
    const png = await renderPng([{ text: EN, sizePx: 40 }], { background: null });
    const meta = await sharp(png).metadata();
    expect(meta.hasAlpha).toBe(true);
    expect(await lineTexts(png)).toEqual([EN]);
  });

  it("reads a 16-bit grey PNG", async () => {
    const rgb = await sharp(await renderPng([{ text: EN, sizePx: 40 }])).flatten({ background: "white" }).toBuffer();
    const png = await sharp(rgb).toColourspace("grey16").png().toBuffer();
    const meta = await sharp(png).metadata();
    expect([meta.channels, meta.depth]).toEqual([1, "ushort"]);
    expect(await lineTexts(png)).toEqual([EN]);
  });

  it("reads a CMYK JPEG", async () => {
    const jpeg = await sharp(await renderPng([{ text: EN, sizePx: 40 }])).toColourspace("cmyk").jpeg({ quality: 95 }).toBuffer();
    expect((await sharp(jpeg).metadata()).space).toBe("cmyk");
    expect(await lineTexts(jpeg)).toEqual([EN]);
  });

  it("reads the first page of a multi-page TIFF", async () => {
    const first = await renderPng([{ text: EN, sizePx: 40 }]);
    const second = await renderPng([{ text: "second page", sizePx: 40 }]);
    const raw = await Promise.all([first, second].map((b) => sharp(b).flatten({ background: "white" }).raw().toBuffer()));
    const tiff = await sharp(Buffer.concat(raw), { raw: { width: 1000, height: 280, channels: 3, pageHeight: 140 } }).tiff().toBuffer();
    expect((await sharp(tiff).metadata()).pages).toBe(2);
    expect(await lineTexts(tiff)).toEqual([EN]);
  });

  it("returns an empty page for a blank image", async () => {
    const png = await sharp({ create: { width: 300, height: 200, channels: 3, background: "white" } }).png().toBuffer();
    const r = await engine.recognize(png);
    expect(r.pages[0]!.lines).toEqual([]);
    expect(r.text).toBe("");
  });

  it("rejects undecodable and empty input with OcrInputError", async () => {
    await expect(engine.recognize(Buffer.from("definitely not an image"))).rejects.toBeInstanceOf(OcrInputError);
    await expect(engine.recognize(Buffer.alloc(0))).rejects.toBeInstanceOf(OcrInputError);
    const truncated = (await renderPng([{ text: EN }])).subarray(0, 100);
    await expect(engine.recognize(truncated)).rejects.toBeInstanceOf(OcrInputError);
  });

  it("honours an aborted signal", async () => {
    const ac = new AbortController();
    ac.abort(new Error("job cancelled"));
    await expect(engine.recognize(await renderPng([{ text: EN }]), { signal: ac.signal })).rejects.toThrow("job cancelled");
  });
});

describe("createOcrEngine", () => {
  it("fails with every provider's reason when none works", async () => {
    await expect(createOcrEngine({ providers: ["bogus"] })).rejects.toMatchObject({
      providerNotes: [{ provider: "bogus", ok: false }],
    });
  });
});
