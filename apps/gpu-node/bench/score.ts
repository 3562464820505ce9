/**
 * Scoring for the SROIE receipts, as ../shared/eval/README.md defines it: CER in code points per
 * image over the page text, normalised (upper case, no whitespace) and raw (whitespace runs
 * collapsed), the order-free line-matched CER, plus detection recall at IoU ≥ 0.5 with one-to-one
 * matching by box overlap.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { convexIntersection, polygonArea, quadIou, type TPoint } from "../src/ocr/geometry.ts";

/**
 * ../shared/eval/sroie2019 beside the repository that holds the working directory or this module,
 * found at run time (no machine's absolute path); undefined where neither is inside a checkout with
 * that folder beside it (a fresh clone, or a bundle on a GPU host, which passes its folders
 * explicitly). `starts` is for tests: the folders to search upwards from.
 */
export function defaultSroieDir(starts: readonly string[] = [process.cwd(), path.dirname(fileURLToPath(import.meta.url))]): string | undefined {
  for (const start of starts) {
    for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
      // `.git` is a folder in a clone and a file in a worktree: either marks the repository root.
      if (existsSync(path.join(dir, ".git"))) {
        const sroie = path.join(dir, "..", "shared", "eval", "sroie2019");
        if (existsSync(sroie)) return sroie;
        break;
      }
      if (path.dirname(dir) === dir) break;
    }
  }
  return undefined;
}

/** A bench's data folder: the one its flag names, else the default; a readable error where there is neither. */
export function sroieDirOrFail(given: string | undefined, flag: string): string {
  const dir = given ?? defaultSroieDir();
  if (!dir) throw new Error(`no ../shared/eval/sroie2019 beside this repository: pass ${flag}`);
  return dir;
}

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

/** Each line's rank in the reference: lines sorted by (min y, then min x). */
export function referenceOrder(lines: readonly TGroundLine[]): number[] {
  const key = (l: TGroundLine) => [Math.min(...l.quad.map((p) => p[1])), Math.min(...l.quad.map((p) => p[0]))] as const;
  const sorted = lines.map((l, i) => ({ k: key(l), i })).sort((a, b) => a.k[0] - b.k[0] || a.k[1] - b.k[1]);
  const rank = new Array<number>(lines.length);
  sorted.forEach((s, r) => (rank[s.i] = r));
  return rank;
}

/** Reference page text: lines sorted by (min y, then min x), joined by newlines. */
export function referenceText(lines: readonly TGroundLine[]): string {
  const rank = referenceOrder(lines);
  const out = new Array<string>(lines.length);
  lines.forEach((l, i) => (out[rank[i]!] = l.text));
  return out.join("\n");
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

/**
 * Line-matched CER counts (normalised form), the README's order-free score: a predicted line and a
 * ground-truth box are joined when their intersection covers at least half of the smaller of the
 * two; each connected group is one unit, scored as its ground-truth texts in x order against its
 * predicted texts in x order. Lone predictions count as insertions, lone boxes as deletions.
 */
export function lineMatchedCount(gt: readonly TGroundLine[], hyp: readonly THypLine[]): TCerCount {
  // Union-find over gt (0..g-1) then hyp (g..g+h-1).
  const parent = Array.from({ length: gt.length + hyp.length }, (_, i) => i);
  const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i]!)));
  gt.forEach((g, i) => {
    const ga = polygonArea(g.quad);
    hyp.forEach((h, j) => {
      const inter = polygonArea(convexIntersection(g.quad, h.quad));
      if (inter > 0 && inter >= 0.5 * Math.min(ga, polygonArea(h.quad))) parent[find(i)] = find(gt.length + j);
    });
  });
  const units = new Map<number, { gt: TGroundLine[]; hyp: THypLine[] }>();
  const unit = (i: number) => {
    const root = find(i);
    if (!units.has(root)) units.set(root, { gt: [], hyp: [] });
    return units.get(root)!;
  };
  gt.forEach((g, i) => unit(i).gt.push(g));
  hyp.forEach((h, j) => unit(gt.length + j).hyp.push(h));
  const minX = (q: readonly TPoint[]) => Math.min(...q.map((p) => p[0]));
  const inXOrder = (ls: ReadonlyArray<{ quad: TPoint[]; text: string }>) =>
    normalisedForm([...ls].sort((a, b) => minX(a.quad) - minX(b.quad)).map((l) => l.text).join(" "));
  let edits = 0, refChars = 0;
  for (const u of units.values()) {
    const ref = inXOrder(u.gt), out = inXOrder(u.hyp);
    // A lone box or a lone prediction is the same edit distance against the empty string.
    edits += editDistance(ref, out);
    refChars += Array.from(ref).length;
  }
  return { edits, refChars };
}

export type TImageScore = { norm: TCerCount; raw: TCerCount; line: TCerCount; gtBoxes: number; matchedBoxes: number };

export function scoreImage(gt: readonly TGroundLine[], hyp: readonly THypLine[]): TImageScore {
  const ref = referenceText(gt);
  const out = hyp.map((l) => l.text).join("\n");
  return {
    norm: cerCount(normalisedForm(ref), normalisedForm(out)),
    raw: cerCount(rawForm(ref), rawForm(out)),
    line: lineMatchedCount(gt, hyp),
    gtBoxes: gt.length,
    matchedBoxes: matchedAtIou(gt.map((g) => g.quad), hyp.map((h) => h.quad)),
  };
}

export type TSummary = {
  normCerMean: number; normCerTotal: number; rawCerMean: number; rawCerTotal: number;
  lineCerMean: number; lineCerTotal: number; detRecall: number;
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
    lineCerMean: mean((s) => s.line.edits / s.line.refChars),
    lineCerTotal: total((s) => s.line),
    detRecall: scores.reduce((a, s) => a + s.matchedBoxes, 0) / scores.reduce((a, s) => a + s.gtBoxes, 0),
  };
}
