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
): TDecodedText {
  let text = "";
  let confSum = 0;
  let emitted = 0;
  let prev = -1;
  for (let t = 0; t < steps; t++) {
    const base = offset + t * classes;
    let best = 0;
    let bestP = probs[base]!;
    for (let c = 1; c < classes; c++) {
      const p = probs[base + c]!;
      if (p > bestP) { bestP = p; best = c; }
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
