import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { defaultSroieDir, editDistance, lineMatchedCount, matchedAtIou, normalisedForm, rawForm, referenceText, readGroundTruth, scoreImage, sroieDirOrFail, summarise, type TGroundLine, type TImageScore } from "./score.ts";

describe("bench scoring", () => {
  it("edit distance counts code points", () => {
    expect(editDistance("kitten", "sitting")).toBe(3);
    expect(editDistance("", "abc")).toBe(3);
    expect(editDistance("显存", "显卡")).toBe(1);
  });
  it("normalises as the eval README says", () => {
    expect(normalisedForm("Total  Qty\n2")).toBe("TOTALQTY2");
    expect(rawForm(" a \n\t b ")).toBe("a b");
  });
  it("sorts reference lines by min y then min x", () => {
    const sq = (x: number, y: number) => [[x, y], [x + 10, y], [x + 10, y + 10], [x, y + 10]] as [number, number][];
    expect(referenceText([{ quad: sq(50, 0), text: "b" }, { quad: sq(0, 0), text: "a" }, { quad: sq(0, 20), text: "c" }])).toBe("a\nb\nc");
  });
  it("matches boxes one to one at IoU ≥ 0.5", () => {
    const sq = (x: number) => [[x, 0], [x + 10, 0], [x + 10, 10], [x, 10]] as [number, number][];
    expect(matchedAtIou([sq(0), sq(100)], [sq(1), sq(2)])).toBe(1);
    expect(matchedAtIou([sq(0), sq(100)], [sq(1), sq(101)])).toBe(2);
    const s = scoreImage([{ quad: sq(0), text: "AB C" }], [{ quad: sq(0), text: "ab c" }]);
    expect(s.norm).toEqual({ edits: 0, refChars: 3 });
    expect(s.raw).toEqual({ edits: 3, refChars: 4 });
  });
});

describe("line-matched CER", () => {
  const box = (x: number, y: number, w: number, h = 10) => [[x, y], [x + w, y], [x + w, y + h], [x, y + h]] as [number, number][];
  it("scores each joined group in x order, whatever the page order", () => {
    // One printed row split into two ground-truth boxes, read as one predicted line; a second row read exactly.
    const gt = [{ quad: box(0, 0, 40), text: "TOTAL" }, { quad: box(50, 0, 30), text: "9.00" }, { quad: box(0, 20, 40), text: "CASH" }];
    const hyp = [{ quad: box(0, 20, 40), text: "Cash" }, { quad: box(0, 0, 80), text: "total 9.0O" }];
    expect(lineMatchedCount(gt, hyp)).toEqual({ edits: 1, refChars: 13 });
  });
  it("counts a lone prediction as insertions and a lone box as deletions", () => {
    const gt = [{ quad: box(0, 0, 40), text: "AB" }];
    const hyp = [{ quad: box(0, 100, 40), text: "x y" }];
    expect(lineMatchedCount(gt, hyp)).toEqual({ edits: 4, refChars: 2 });
  });
  it("joins on half of the smaller box, not on IoU", () => {
    // A short prediction inside a long box: IoU 0.25, but it covers all of the smaller box.
    const gt = [{ quad: box(0, 0, 100), text: "ABCD" }];
    expect(lineMatchedCount(gt, [{ quad: box(0, 0, 25), text: "ABCD" }])).toEqual({ edits: 0, refChars: 4 });
    // Under half of the smaller box: not joined, so deletions plus insertions.
    expect(lineMatchedCount(gt, [{ quad: box(90, 0, 30), text: "ABCD" }])).toEqual({ edits: 8, refChars: 4 });
  });
  it("is part of scoreImage and summarise", () => {
    const s = scoreImage([{ quad: box(0, 0, 40), text: "AB" }], [{ quad: box(0, 0, 40), text: "ab" }]);
    expect(s.line).toEqual({ edits: 0, refChars: 2 });
    expect(summarise([s]).lineCerTotal).toBe(0);
  });
});

describe("finding the eval data", () => {
  // A fake layout in a temporary folder: <tmp>/with/repo (a checkout beside shared/eval/sroie2019)
  // and <tmp>/without/repo (a fresh clone with nothing beside it).
  const tmp = mkdtempSync(path.join(os.tmpdir(), "sroie-dir-"));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  const checkout = (name: string, gitIsFile = false) => {
    const repo = path.join(tmp, name, "repo");
    mkdirSync(path.join(repo, "apps", "gpu-node"), { recursive: true });
    if (gitIsFile) writeFileSync(path.join(repo, ".git"), "gitdir: elsewhere\n");
    else mkdirSync(path.join(repo, ".git"));
    return repo;
  };
  const withData = checkout("with");
  mkdirSync(path.join(tmp, "with", "shared", "eval", "sroie2019"), { recursive: true });
  const withoutData = checkout("without");
  const worktree = checkout("worktree", true);
  mkdirSync(path.join(tmp, "worktree", "shared", "eval", "sroie2019"), { recursive: true });

  it("finds ../shared/eval/sroie2019 beside the repository root, from any folder inside it", () => {
    const want = path.join(tmp, "with", "shared", "eval", "sroie2019");
    expect(defaultSroieDir([withData])).toBe(want);
    expect(defaultSroieDir([path.join(withData, "apps", "gpu-node")])).toBe(want);
    expect(defaultSroieDir([path.join(worktree, "apps")])).toBe(path.join(tmp, "worktree", "shared", "eval", "sroie2019"));
  });

  it("is undefined in a checkout without it, and the benches then name their flag", () => {
    expect(defaultSroieDir([path.join(withoutData, "apps", "gpu-node")])).toBeUndefined();
    expect(defaultSroieDir([tmp])).toBeUndefined(); // not inside any checkout
    expect(sroieDirOrFail("/given", "--data DIR")).toBe("/given");
  });

  it("tries each start in turn", () => {
    expect(defaultSroieDir([withoutData, withData])).toBe(path.join(tmp, "with", "shared", "eval", "sroie2019"));
  });
});

// The real receipts' labels, where ../shared/eval sits beside this checkout; a fresh clone skips this,
// and the title says why.
const sroie = defaultSroieDir();
describe.skipIf(!sroie)(`SROIE ground truth${sroie ? "" : " (skipped: no ../shared/eval/sroie2019 beside this repository)"}`, () => {
  it("parses every box file (CRLF endings, commas in transcripts); only the page CER sees line order", () => {
    const files = readdirSync(path.join(sroie!, "box")).filter((f) => f.endsWith(".csv"));
    expect(files.length).toBeGreaterThan(0);
    const minYX = (l: TGroundLine) => [Math.min(...l.quad.map((p) => p[1])), Math.min(...l.quad.map((p) => p[0]))];
    const inFileOrder: TImageScore[] = [], inReferenceOrder: TImageScore[] = [];
    for (const f of files) {
      const gt = readGroundTruth(path.join(sroie!, "box", f));
      for (const l of gt) {
        expect(l.quad.flat().every(Number.isFinite)).toBe(true);
        expect(l.text).not.toMatch(/\r/);
      }
      const sorted = [...gt].sort((a, b) => minYX(a)[0]! - minYX(b)[0]! || minYX(a)[1]! - minYX(b)[1]!);
      inFileOrder.push(scoreImage(gt, gt));
      inReferenceOrder.push(scoreImage(gt, sorted));
    }
    expect(summarise(inReferenceOrder)).toMatchObject({ normCerTotal: 0, rawCerTotal: 0, lineCerTotal: 0, detRecall: 1 });
    // The labels' own row order is not the (min y, min x) sort: the page CER counts that, line-matched does not.
    expect(summarise(inFileOrder).normCerTotal).toBeGreaterThan(0);
    expect(summarise(inFileOrder)).toMatchObject({ lineCerTotal: 0, detRecall: 1 });
  });
});
