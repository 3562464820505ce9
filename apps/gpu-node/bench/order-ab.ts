/**
 * Reading order A/B on the same OCR output: each SROIE receipt is read once, then its lines are put
 * in order two ways and scored (bench/score.ts): PaddleOCR's sorted_boxes (top-left corner, then one
 * pass that swaps neighbours on the same row; the engine's order before reading-rows.ts) against the
 * engine's sortReadingOrder (rows in the deskewed frame). Line-matched CER is order-free, so it must
 * not move; page CER moves with order, but its reference is itself a (min y, min x) sort, so judge
 * an order on rendered pages with a known order too (src/ocr/reading-order.test.ts).
 *
 * Two more rows bound what order alone can do against that reference: the reference's own rule
 * applied to the predicted boxes, and an oracle that puts each predicted line where the ground-truth
 * box it overlaps most stands in the reference (not an order an engine could produce: it reads the
 * answer). `--lines FILE` keeps the OCR output, so a second run only re-orders.
 *
 *   npx tsx apps/gpu-node/bench/order-ab.ts [--data DIR] [--from 0] [--to 59] [--threads 2] [--lines FILE]
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { createOcrEngine } from "../src/ocr/index.ts";
import type { TQuadPx } from "../src/ocr/geometry.ts";
import { sortReadingOrder } from "../src/ocr/order.ts";
import { convexIntersection, polygonArea } from "../src/ocr/geometry.ts";
import { readGroundTruth, referenceOrder, scoreImage, sroieDirOrFail, summarise, type TGroundLine, type TImageScore } from "./score.ts";

const { values: args } = parseArgs({ options: { data: { type: "string" }, from: { type: "string", default: "0" }, to: { type: "string", default: "59" }, threads: { type: "string", default: "2" }, lines: { type: "string" } } });
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

type TLine = { quad: TQuadPx; text: string };

/** The reference's rule, (min y, then min x), applied to the predicted boxes. */
function topEdgeSort(lines: readonly TLine[]): TLine[] {
  const key = (l: TLine) => [Math.min(...l.quad.map((p) => p[1])), Math.min(...l.quad.map((p) => p[0]))] as const;
  return [...lines].sort((a, b) => key(a)[0] - key(b)[0] || key(a)[1] - key(b)[1]);
}

/** Each line at the reference rank of the ground-truth box it overlaps most; lines overlapping none by their top edge. */
function oracleOrder(lines: readonly TLine[], gt: readonly TGroundLine[]): TLine[] {
  const rank = referenceOrder(gt);
  const keyed = lines.map((l) => {
    let best = -1, bestArea = 0;
    gt.forEach((g, i) => {
      const a = polygonArea(convexIntersection(g.quad, l.quad));
      if (a > bestArea) [best, bestArea] = [i, a];
    });
    const minX = Math.min(...l.quad.map((p) => p[0]));
    return { l, key: best >= 0 ? rank[best]! : -1, minX, top: Math.min(...l.quad.map((p) => p[1])) };
  });
  // Unmatched lines go between the matched ones by their top edge: at the rank of the first ground-truth box below them.
  const gtTop = gt.map((g) => Math.min(...g.quad.map((p) => p[1])));
  for (const k of keyed) if (k.key < 0) k.key = Math.min(gt.length, ...gt.flatMap((_, i) => (gtTop[i]! >= k.top ? [rank[i]!] : []))) - 0.5;
  return keyed.sort((a, b) => a.key - b.key || a.minX - b.minX).map((k) => k.l);
}

const cache: Record<string, TLine[]> = args.lines && existsSync(args.lines) ? JSON.parse(readFileSync(args.lines, "utf8")) : {};
const { engine } = await createOcrEngine({ providers: ["cpu"], threads: Number(args.threads) });
const scores = { paddle: [] as TImageScore[], rows: [] as TImageScore[], top: [] as TImageScore[], oracle: [] as TImageScore[] };
for (let i = Number(args.from); i <= Number(args.to); i++) {
  const id = String(i).padStart(3, "0");
  if (!cache[id]) {
    const r = await engine.recognize(readFileSync(path.join(dir, "img", `${id}.jpg`)));
    cache[id] = r.pages[0]!.lines.map((l) => ({ quad: l.box as unknown as TQuadPx, text: l.text }));
  }
  const lines = cache[id];
  const gt = readGroundTruth(path.join(dir, "box", `${id}.csv`));
  scores.paddle.push(scoreImage(gt, sortedBoxes(lines)));
  scores.rows.push(scoreImage(gt, sortReadingOrder(lines)));
  scores.top.push(scoreImage(gt, topEdgeSort(lines)));
  scores.oracle.push(scoreImage(gt, oracleOrder(lines, gt)));
}
await engine.release();
if (args.lines) writeFileSync(args.lines, JSON.stringify(cache));
console.log(`| order (SROIE ${args.from}–${args.to}) | page normalised CER mean / total | line-matched normalised CER total |\n|---|---:|---:|`);
const rows = [
  ["PaddleOCR sorted_boxes", scores.paddle],
  ["rows in the deskewed frame (the engine)", scores.rows],
  ["the reference's own rule: (min y, min x) of the predicted boxes", scores.top],
  ["oracle: each line at its ground-truth box's reference rank", scores.oracle],
] as const;
for (const [name, s] of rows) {
  const m = summarise(s);
  console.log(`| ${name} | ${m.normCerMean.toFixed(4)} / ${m.normCerTotal.toFixed(4)} | ${m.lineCerTotal.toFixed(4)} |`);
}
