import { describe, expect, it } from "vitest";
import { editDistance, matchedAtIou, normalisedForm, rawForm, referenceText, scoreImage } from "./score.ts";

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
