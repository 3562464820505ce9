import { describe, expect, it } from "vitest";
import { buildCharset, ctcGreedyDecode } from "./ctc.ts";

/** One-hot-ish probabilities: each step puts `p` on the given class. */
function probsFor(classes: number, steps: Array<[number, number]>): Float32Array {
  const out = new Float32Array(steps.length * classes);
  steps.forEach(([c, p], t) => {
    for (let k = 0; k < classes; k++) out[t * classes + k] = (1 - p) / (classes - 1);
    out[t * classes + c] = p;
  });
  return out;
}

describe("buildCharset", () => {
  it("puts blank first and space last, ignoring a trailing newline and CRLF", () => {
    expect(buildCharset("a\r\nb\nc\n", true)).toEqual(["", "a", "b", "c", " "]);
    expect(buildCharset("a\nb", false)).toEqual(["", "a", "b"]);
  });
});

describe("ctcGreedyDecode", () => {
  const charset = buildCharset("a\nb\nl", true); // 0 blank, 1 a, 2 b, 3 l, 4 space
  it("merges repeats and drops blanks", () => {
    const p = probsFor(5, [[2, 0.9], [2, 0.8], [0, 0.9], [1, 0.7], [1, 0.9], [0, 0.99], [4, 0.6], [2, 1]]);
    const r = ctcGreedyDecode(p, 0, 8, 5, charset);
    expect(r.text).toBe("ba b");
    // Confidence is the mean over emitted characters (the first step of each run).
    expect(r.confidence).toBeCloseTo((0.9 + 0.7 + 0.6 + 1) / 4, 6);
  });
  it("keeps a doubled letter separated by a blank", () => {
    const p = probsFor(5, [[1, 0.9], [3, 0.9], [0, 0.9], [3, 0.9], [1, 0.9]]);
    expect(ctcGreedyDecode(p, 0, 5, 5, charset).text).toBe("alla");
  });
  it("reads at an offset and returns zero confidence for all blanks", () => {
    const p = probsFor(5, [[1, 0.9], [0, 0.9], [0, 0.8]]);
    expect(ctcGreedyDecode(p, 5, 2, 5, charset)).toEqual({ text: "", confidence: 0 });
  });
});
