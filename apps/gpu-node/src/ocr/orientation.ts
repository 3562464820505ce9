/**
 * Reading a page's lines the right way up. The angle classifier misses some upside-down lines (a
 * plain sans-serif line at 40 px turned 180° came back "oe aqwnu oa umop apsdn", confidence 0.52)
 * and wrongly flips others (symmetric capitals: "TAX INVOICE" as "IOANI XVI"). So a line is also
 * read turned 180° when the classifier flipped it or when its reading is unsure, and the page then
 * decides once (page-orientation.ts) whether it is upside down as a whole. Every extra reading goes
 * through recognizeLines, so it shares rec batches with the other jobs' lines.
 */
import sharp from "sharp";
import type { CropPool, TSharedImage } from "./crop-pool.ts";
import { rotateQuad180 } from "./crop.ts";
import type { TRgbImage } from "./crop.ts";
import type { TDecodedText } from "./ctc.ts";
import type { TTextLine } from "./line.ts";
import { keepFlipped, pageFlipped, type TPageAngle } from "./page-orientation.ts";
import type { RecBatcher } from "./rec-batcher.ts";
import { recognizeLines, type TRecOptions } from "./recognize.ts";

/**
 * A line read below this confidence is read again turned 180° (if it is long enough, below). On SROIE
 * receipts 000–009 (545 lines) the median reading is 0.976; a line turned 180° that the classifier
 * missed reads as garbage around 0.5–0.8 (the issue's: 0.52). Below 0.9 catches those and, with the
 * length rule, re-reads 19 of the 545 receipt lines (3.5 %), none of which then flips.
 */
export const REREAD_BELOW_CONFIDENCE = 0.9;
/**
 * Only lines at least this many times wider than tall (about three glyphs) are re-read. Shorter ones
 * read about as well either way up ("1X" / "X!", "*", "%", "GB" / "99"): on those receipts all 11
 * lines whose flipped reading won at 0.9 were of aspect 2.3 or less; for them the classifier's word stands.
 */
export const REREAD_MIN_ASPECT = 3;

export type TRecContext = {
  batcher: RecBatcher;
  pool: CropPool;
  opts: TRecOptions;
  channelOrder: readonly [number, number, number];
  signal?: AbortSignal;
};

/** A line's readings: in the page's base frame, and turned 180° from it. */
export type TReadings = { upright?: TDecodedText; flipped?: TDecodedText };
export type TReadCost = { cropMs: number; runMs: number; decodeMs: number; lines: number; rereadLines: number };

/** The line's quad in the base frame, whatever the classifier did to it. */
const baseQuad = (l: TTextLine) => (l.flipped ? rotateQuad180(l.quad) : l.quad);

/**
 * Read `lines` (classified: `flipped` set where the classifier turned them) and return, per line, the
 * reading kept, the page's upside-down vote and what it cost. Rounds, each one rec submission:
 *   1. every line as classified, and a classifier-flipped line also unflipped;
 *   2. a line read one way only, below REREAD_BELOW_CONFIDENCE, the other way;
 *   3. only on a page voted upside down: the lines not yet read flipped, flipped.
 */
export async function readOriented(
  ctx: TRecContext,
  img: TSharedImage,
  lines: readonly TTextLine[],
): Promise<{ texts: TDecodedText[]; flipped: boolean[]; pageFlipped: boolean; cost: TReadCost }> {
  const readings: TReadings[] = lines.map(() => ({}));
  const cost: TReadCost = { cropMs: 0, runMs: 0, decodeMs: 0, lines: 0, rereadLines: 0 };
  const read = async (jobs: Array<{ i: number; flipped: boolean }>) => {
    if (jobs.length === 0) return;
    const quads = jobs.map(({ i, flipped }) => {
      const l = lines[i]!;
      return { ...l, quad: flipped ? rotateQuad180(baseQuad(l)) : baseQuad(l) };
    });
    const r = await recognizeLines(ctx.batcher, ctx.pool, img, quads, ctx.opts, ctx.channelOrder, ctx.signal);
    jobs.forEach(({ i, flipped }, k) => (readings[i]![flipped ? "flipped" : "upright"] = r.texts[k]!));
    cost.cropMs += r.cropMs;
    cost.runMs += r.runMs;
    cost.decodeMs += r.decodeMs;
    cost.lines += jobs.length;
  };

  await read(lines.flatMap((l, i) => (l.flipped ? [{ i, flipped: true }, { i, flipped: false }] : [{ i, flipped: false }])));
  const unsure = readings.flatMap((r, i) => {
    const only = r.flipped === undefined ? r.upright : r.upright === undefined ? r.flipped : undefined;
    const unsure = only && only.confidence < REREAD_BELOW_CONFIDENCE && lines[i]!.aspect >= REREAD_MIN_ASPECT;
    return unsure ? [{ i, flipped: r.flipped === undefined }] : [];
  });
  cost.rereadLines = unsure.length;
  await read(unsure);

  const conf = (r: TReadings) => ({ upright: r.upright?.confidence, flipped: r.flipped?.confidence });
  const vote = pageFlipped(readings.map((r, i) => ({ widthPx: lineWidthPx(lines[i]!), ...conf(r) })), REREAD_BELOW_CONFIDENCE);
  if (vote.flipped) await read(readings.flatMap((r, i) => (r.flipped === undefined ? [{ i, flipped: true }] : [])));

  const flipped = readings.map((r) => keepFlipped(conf(r), vote.flipped));
  const texts = readings.map((r, i) => (flipped[i] ? r.flipped : r.upright)!);
  return { texts, flipped, pageFlipped: vote.flipped, cost };
}

/** The line's length along its text, in source px (its crop's top edge). */
function lineWidthPx(l: TTextLine): number {
  const [a, b] = l.quad;
  return Math.hypot(b[0] - a[0], b[1] - a[1]);
}

/**
 * The decoded page turned back to upright (a page turned `angle` clockwise, rotated anticlockwise).
 * Reading the upright page again, rather than relabelling boxes found on the turned one, gives the
 * upright scan's exact boxes: detection is not symmetric under a turn, and a box a few px off turned
 * 调 into 凋 on a 180° Chinese line.
 */
export async function turnUpright(img: TRgbImage, angle: TPageAngle): Promise<TRgbImage> {
  const { data, info } = await sharp(img.data, { raw: { width: img.widthPx, height: img.heightPx, channels: img.channels as 3 } })
    .rotate(360 - angle)
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), widthPx: info.width, heightPx: info.height, channels: info.channels };
}
