/**
 * Scoring for the SROIE receipts, as /work/shared/eval/README.md defines it: CER in code points per
 * image over the page text, normalised (upper case, no whitespace) and raw (whitespace runs
 * collapsed), plus detection recall at IoU ≥ 0.5 with one-to-one matching by box overlap.
 */
import { readFileSync } from "node:fs";
import { quadIou, type TPoint } from "../src/ocr/geometry.ts";

export type TGroundLine = { quad: TPoint[]; text: string };
export type THypLine = { quad: TPoint[]; text: string };

/** `x1,y1,…,x4,y4,transcript` per row; the transcript may contain commas. */
export function readGroundTruth(csvPath: string): TGroundLine[] {
  return readFileSync(csvPath, "utf8")
    .split(/\r?\n/)
    .filter((row) => row.trim().length > 0)
    .map((row) => {
      const parts = row.split(",");
      const nums = parts.slice(0, 8).map(Number);
      const quad: TPoint[] = [0, 2, 4, 6].map((i) => [nums[i]!, nums[i + 1]!] as TPoint);
      return { quad, text: parts.slice(8).join(",") };
    });
}

/** Reference page text: lines sorted by (min y, then min x), joined by newlines. */
export function referenceText(lines: readonly TGroundLine[]): string {
  const key = (l: TGroundLine) => [Math.min(...l.quad.map((p) => p[1])), Math.min(...l.quad.map((p) => p[0]))] as const;
  return [...lines].sort((a, b) => key(a)[0] - key(b)[0] || key(a)[1] - key(b)[1]).map((l) => l.text).join("\n");
}

export const normalisedForm = (s: string) => s.toUpperCase().replace(/\s+/g, "");
export const rawForm = (s: string) => s.replace(/\s+/g, " ").trim();

/** Levenshtein distance over code points. */
export function editDistance(a: string, b: string): number {
  const x = Array.from(a), y = Array.from(b);
  if (x.length === 0) return y.length;
  let prev = new Uint32Array(y.length + 1).map((_, j) => j);
  let cur = new Uint32Array(y.length + 1);
  for (let i = 1; i <= x.length; i++) {
    cur[0] = i;
    for (let j = 1; j <= y.length; j++) {
      const sub = prev[j - 1]! + (x[i - 1] === y[j - 1] ? 0 : 1);
      cur[j] = Math.min(sub, prev[j]! + 1, cur[j - 1]! + 1);
    }
    [prev, cur] = [cur, prev];
  }
  return prev[y.length]!;
}

export type TCerCount = { edits: number; refChars: number };
export function cerCount(ref: string, hyp: string): TCerCount {
  return { edits: editDistance(ref, hyp), refChars: Array.from(ref).length };
}

/** Greedy one-to-one matching by IoU, best pairs first. Returns how many ground-truth boxes matched. */
export function matchedAtIou(gt: readonly TPoint[][], hyp: readonly TPoint[][], minIou = 0.5): number {
  const pairs: Array<[number, number, number]> = [];
  gt.forEach((g, i) => hyp.forEach((h, j) => {
    const iou = quadIou(g, h);
    if (iou >= minIou) pairs.push([iou, i, j]);
  }));
  pairs.sort((a, b) => b[0] - a[0]);
  const usedG = new Set<number>(), usedH = new Set<number>();
  for (const [, i, j] of pairs) {
    if (usedG.has(i) || usedH.has(j)) continue;
    usedG.add(i);
    usedH.add(j);
  }
  return usedG.size;
}

export type TImageScore = { norm: TCerCount; raw: TCerCount; gtBoxes: number; matchedBoxes: number };

export function scoreImage(gt: readonly TGroundLine[], hyp: readonly THypLine[]): TImageScore {
  const ref = referenceText(gt);
  const out = hyp.map((l) => l.text).join("\n");
  return {
    norm: cerCount(normalisedForm(ref), normalisedForm(out)),
    raw: cerCount(rawForm(ref), rawForm(out)),
    gtBoxes: gt.length,
    matchedBoxes: matchedAtIou(gt.map((g) => g.quad), hyp.map((h) => h.quad)),
  };
}

export type TSummary = {
  normCerMean: number; normCerTotal: number; rawCerMean: number; rawCerTotal: number; detRecall: number;
};

export function summarise(scores: readonly TImageScore[]): TSummary {
  const mean = (f: (s: TImageScore) => number) => scores.reduce((a, s) => a + f(s), 0) / scores.length;
  const total = (f: (s: TImageScore) => TCerCount) => {
    const e = scores.reduce((a, s) => a + f(s).edits, 0);
    const n = scores.reduce((a, s) => a + f(s).refChars, 0);
    return e / n;
  };
  return {
    normCerMean: mean((s) => s.norm.edits / s.norm.refChars),
    normCerTotal: total((s) => s.norm),
    rawCerMean: mean((s) => s.raw.edits / s.raw.refChars),
    rawCerTotal: total((s) => s.raw),
    detRecall: scores.reduce((a, s) => a + s.matchedBoxes, 0) / scores.reduce((a, s) => a + s.gtBoxes, 0),
  };
}
