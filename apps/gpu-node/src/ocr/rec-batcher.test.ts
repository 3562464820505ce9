/**
 * A line's recognised text must not depend on which other lines share its batch: the real PP-OCRv4
 * rec model on the CPU, each line alone against all of them in shared batches, in two orders.
 */
import ort from "onnxruntime-node";
import { readFile } from "node:fs/promises";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderPng } from "../../test-fixtures/render-text.ts";
import { cropItems } from "./crop-pool.ts";
import { buildCharset, type TDecodedText } from "./ctc.ts";
import type { TQuadPx } from "./geometry.ts";
import { SYMMETRIC_NORM } from "./line.ts";
import { defaultManifest } from "./manifest.ts";
import { RecBatcher, type TRecInput } from "./rec-batcher.ts";
import { recBucketWidthPx } from "./rec-buckets.ts";

const TEXTS = ["TOTAL 45.90", "Headroom keeps every GPU alive", "7", "Qty 2 x Nasi Lemak @ 12.50 RM", "GST ID 000123456789", "显存余量", "Thank you, come again!"];
const H = 48;
let session: ort.InferenceSession;
let charset: string[];
let inputs: TRecInput[];

beforeAll(async () => {
  const m = defaultManifest();
  session = await ort.InferenceSession.create(m.rec.file, { executionProviders: ["cpu"], intraOpNumThreads: 2 });
  charset = buildCharset(await readFile(m.dictionary.file, "utf8"), true);
  inputs = await Promise.all(
    TEXTS.map(async (text) => {
      const png = await renderPng([{ text, sizePx: 40, ...(/[^\x00-\x7f]/.test(text) && { font: "Noto Sans CJK SC" }) }], { widthPx: 40 + text.length * 30, lineGapPx: 60 });
      const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
      const img = { data: new Uint8Array(data), widthPx: info.width, heightPx: info.height, channels: 3 };
      const outWidthPx = Math.ceil((H * info.width) / info.height);
      const widthPx = recBucketWidthPx(outWidthPx);
      const quad: TQuadPx = [[0, 0], [info.width, 0], [info.width, info.height], [0, info.height]];
      const [tensor] = cropItems({ img, items: [{ quad, outWidthPx, tensorWidthPx: widthPx }], style: { heightPx: H, channelOrder: [2, 1, 0], ...SYMMETRIC_NORM } });
      return { tensor: tensor!, widthPx };
    }),
  );
}, 60_000);
afterAll(async () => session?.release());

describe("RecBatcher (real rec model, CPU)", { timeout: 60_000 }, () => {
  it("gives every line the same text and confidence alone as in any batch", async () => {
    const alone = new RecBatcher(session, charset, { heightPx: H, maxLines: 1, maxColumnsPx: 1e9 });
    const solo: TDecodedText[] = [];
    for (const input of inputs) solo.push((await alone.recognize([input])).texts[0]!);
    // Whole rendered images, not detected boxes, so not every line reads perfectly; most must.
    expect(solo.filter((t, i) => t.text === TEXTS[i]).length).toBeGreaterThanOrEqual(4);

    const shared = new RecBatcher(session, charset, { heightPx: H, maxLines: 64, maxColumnsPx: 1e9 });
    // Every line three times, from three callers in different orders, so lines share batches with
    // different neighbours (and copies of themselves).
    const orders = [inputs, [...inputs].reverse(), [...inputs.slice(3), ...inputs.slice(0, 3)]];
    const results = await Promise.all(orders.map((o) => shared.recognize(o)));
    expect(shared.maxBatchLines).toBeGreaterThan(1);
    results.forEach((r, k) => {
      r.texts.forEach((t, i) => {
        const j = inputs.indexOf(orders[k]![i]!);
        expect(t.text).toBe(solo[j]!.text);
        expect(t.confidence).toBeCloseTo(solo[j]!.confidence, 5);
      });
    });
  });

  it("takes an aborted caller's lines out of the queue and still serves the others", async () => {
    const b = new RecBatcher(session, charset, { heightPx: H, maxLines: 2, maxColumnsPx: 1e9 });
    const ac = new AbortController();
    const gone = b.recognize(inputs, ac.signal);
    const kept = b.recognize(inputs.slice(0, 2));
    ac.abort(new Error("canceled"));
    await expect(gone).rejects.toThrow("canceled");
    expect((await kept).texts.map((t) => t.text)).toEqual(TEXTS.slice(0, 2));
  });
});
