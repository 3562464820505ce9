/**
 * Reading order A/B on the same OCR output: each SROIE receipt is read once, then its lines are put
 * in order two ways and scored (bench/score.ts): PaddleOCR's sorted_boxes (top-left corner, then one
 * pass that swaps neighbours on the same row; the engine's order before reading-rows.ts) against the
 * engine's sortReadingOrder (rows in the deskewed frame). Line-matched CER is order-free, so it must
 * not move; page CER moves with order, but its reference is itself a (min y, min x) sort, so judge
 * an order on rendered pages with a known order too (src/ocr/reading-order.test.ts).
 *
 *   npx tsx apps/gpu-node/bench/order-ab.ts [--data DIR] [--from 0] [--to 59] [--threads 2]
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { createOcrEngine } from "../src/ocr/index.ts";
import type { TQuadPx } from "../src/ocr/geometry.ts";
import { sortReadingOrder } from "../src/ocr/order.ts";
import { readGroundTruth, scoreImage, sroieDirOrFail, summarise, type TImageScore } from "./score.ts";

const { values: args } = parseArgs({ options: { data: { type: "string" }, from: { type: "string", default: "0" }, to: { type: "string", default: "59" }, threads: { type: "string", default: "2" } } });
const dir = sroieDirOrFail(args.data, "--data");

/** PaddleOCR's sorted_boxes, with the row tolerance scaled to the box height (at least 10 px). */
function sortedBoxes<T extends { quad: TQuadPx }>(items: readonly T[]): T[] {
  const h = (q: TQuadPx) => Math.hypot(q[3][0] - q[0][0], q[3][1] - q[0][1]);
  const out = [...items].sort((a, b) => a.quad[0][1] - b.quad[0][1] || a.quad[0][0] - b.quad[0][0]);
  for (let i = 0; i < out.length - 1; i++) {
    for (let j = i; j >= 0; j--) {
      const [upper, lower] = [out[j]!, out[j + 1]!];
      const tol = Math.max(10, Math.min(h(upper.quad), h(lower.quad)) / 2);
      if (Math.abs(lower.quad[0][1] - upper.quad[0][1]) < tol && lower.quad[0][0] < upper.quad[0][0]) [out[j], out[j + 1]] = [lower, upper];
      else break;
    }
  }
  return out;
}

const { engine } = await createOcrEngine({ providers: ["cpu"], threads: Number(args.threads) });
const scores = { paddle: [] as TImageScore[], rows: [] as TImageScore[] };
for (let i = Number(args.from); i <= Number(args.to); i++) {
  const id = String(i).padStart(3, "0");
  const r = await engine.recognize(readFileSync(path.join(dir, "img", `${id}.jpg`)));
  const lines = r.pages[0]!.lines.map((l) => ({ quad: l.box as unknown as TQuadPx, text: l.text }));
  const gt = readGroundTruth(path.join(dir, "box", `${id}.csv`));
  scores.paddle.push(scoreImage(gt, sortedBoxes(lines)));
  scores.rows.push(scoreImage(gt, sortReadingOrder(lines)));
}
await engine.release();
console.log(`| order (SROIE ${args.from}–${args.to}) | page normalised CER mean / total | line-matched normalised CER total |\n|---|---:|---:|`);
for (const [name, s] of [["PaddleOCR sorted_boxes", scores.paddle], ["rows in the deskewed frame", scores.rows]] as const) {
  const m = summarise(s);
  console.log(`| ${name} | ${m.normCerMean.toFixed(4)} / ${m.normCerTotal.toFixed(4)} | ${m.lineCerTotal.toFixed(4)} |`);
}
