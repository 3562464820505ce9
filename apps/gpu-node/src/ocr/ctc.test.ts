import { describe, expect, it } from "vitest";
import { buildCharset, ctcGreedyDecode, halfWidthOnLatinLine, rowIsDistribution } from "./ctc.ts";

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

describe("halfWidthOnLatinLine", () => {
  it("turns full-width forms into ASCII on a line without CJK characters", () => {
    expect(halfWidthOnLatinLine("Cashier：EIRA（１）")).toBe("Cashier:EIRA(1)");
  });
  it("leaves lines with CJK characters alone", () => {
    expect(halfWidthOnLatinLine("合计：12.50")).toBe("合计：12.50");
    expect(halfWidthOnLatinLine("TOTAL 12.50")).toBe("TOTAL 12.50");
  });
});

describe("ctcGreedyDecode on softmax rows", () => {
  it("decodes the same with and without the distribution shortcut", () => {
    const classes = 50, steps = 200;
    const probs = new Float32Array(classes * steps);
    let seed = 7;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let t = 0; t < steps; t++) {
      const row = Array.from({ length: classes }, () => Math.exp(6 * rnd() * rnd()));
      const peak = Math.floor(rnd() * classes);
      row[peak]! *= rnd() < 0.7 ? 60 : 1;
      const z = row.reduce((a, b) => a + b, 0);
      row.forEach((v, c) => (probs[t * classes + c] = v / z));
    }
    const charset = ["", ...Array.from({ length: classes - 1 }, (_, i) => String.fromCharCode(65 + (i % 26)))];
    expect(rowIsDistribution(probs, 0, classes)).toBe(true);
    expect(ctcGreedyDecode(probs, 0, steps, classes, charset, true)).toEqual(ctcGreedyDecode(probs, 0, steps, classes, charset, false));
  });
});
