/**
 * CTC greedy decoding, as PaddleOCR's CTCLabelDecode: take the arg-max class per time step, merge
 * repeats, drop blanks (class 0). Confidence is the mean arg-max probability of the emitted characters.
 */

export type TDecodedText = { text: string; confidence: number };

/**
 * Character table for a dictionary file's lines: blank at index 0, the dictionary in order, then a
 * space at the end when `useSpaceChar` (PaddleOCR's default for ppocr_keys_v1 models).
 */
export function buildCharset(dictionaryText: string, useSpaceChar: boolean): string[] {
  const lines = dictionaryText.split(/\r?\n/);
  if (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  return ["", ...lines, ...(useSpaceChar ? [" "] : [])];
}

/**
 * Decode one sequence of `steps × classes` probabilities starting at `offset` in `probs`.
 * Classes without an entry in `charset` decode to nothing.
 */
export function ctcGreedyDecode(
  probs: Float32Array,
  offset: number,
  steps: number,
  classes: number,
  charset: readonly string[],
  /**
   * The rows are probability distributions (softmax outputs, summing to 1). Then a class above 0.5
   * is the arg-max and the scan of that row stops there, which skips most of the work on the blank
   * steps that dominate CTC output. Exact; pass false for logits.
   */
  isDistribution = false,
): TDecodedText {
  let text = "";
  let confSum = 0;
  let emitted = 0;
  let prev = -1;
  for (let t = 0; t < steps; t++) {
    const base = offset + t * classes;
    let best = 0;
    let bestP = probs[base]!;
    if (!(isDistribution && bestP > 0.5)) {
      for (let c = 1; c < classes; c++) {
        const p = probs[base + c]!;
        if (p > bestP) {
          bestP = p;
          best = c;
          if (isDistribution && p > 0.5) break;
        }
      }
    }
    if (best !== 0 && best !== prev) {
      text += charset[best] ?? "";
      confSum += bestP;
      emitted++;
    }
    prev = best;
  }
  return { text, confidence: emitted > 0 ? confSum / emitted : 0 };
}

/** Whether the first row at `offset` sums to 1 (± 1e-3), i.e. the model ends in a softmax. */
export function rowIsDistribution(probs: Float32Array, offset: number, classes: number): boolean {
  let sum = 0;
  for (let c = 0; c < classes; c++) {
    const p = probs[offset + c]!;
    if (p < 0) return false;
    sum += p;
  }
  return Math.abs(sum - 1) < 1e-3;
}

const CJK = /[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]/;

/**
 * The Chinese dictionary has full-width punctuation and letters (：，（ Ａ), and the recogniser picks
 * them on Latin lines too ("Cashier：EIRA"). On a line with no CJK character they become their ASCII
 * forms; lines with CJK characters keep them, as Chinese text uses them.
 */
export function halfWidthOnLatinLine(text: string): string {
  if (CJK.test(text) || !/[\uff01-\uff5e\u3000]/.test(text)) return text;
  return text.replace(/[\uff01-\uff5e\u3000]/g, (c) => (c === "\u3000" ? " " : String.fromCharCode(c.charCodeAt(0) - 0xfee0)));
}
