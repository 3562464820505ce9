import type { TOcrLine } from "@headroom/protocol";

/** For tests: a recognised line, its text and axis-aligned box (x, y = top left), 20 px a character and 40 px high by default. */
export const line = (text: string, x: number, y: number, w = text.length * 20, h = 40): TOcrLine => ({
  text,
  confidence: 0.9,
  box: [
    [x, y],
    [x + w, y],
    [x + w, y + h],
    [x, y + h],
  ],
});
