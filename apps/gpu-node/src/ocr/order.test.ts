import { describe, expect, it } from "vitest";
import type { TQuadPx } from "./geometry.ts";
import { sortReadingOrder } from "./order.ts";

const box = (name: string, x: number, y: number, w = 50, h = 20) => ({
  name,
  quad: [[x, y], [x + w, y], [x + w, y + h], [x, y + h]] as TQuadPx,
});

describe("sortReadingOrder", () => {
  it("reads top to bottom", () => {
    const out = sortReadingOrder([box("c", 0, 100), box("a", 0, 0), box("b", 0, 50)]);
    expect(out.map((b) => b.name)).toEqual(["a", "b", "c"]);
  });
  it("reads a row left to right even when its boxes start a few pixels apart in y", () => {
    const out = sortReadingOrder([box("right", 200, 0), box("left", 0, 6), box("next", 0, 40), box("mid", 100, 3)]);
    expect(out.map((b) => b.name)).toEqual(["left", "mid", "right", "next"]);
  });
  it("scales the row tolerance with line height", () => {
    // 80 px tall lines: a 25 px offset is still the same row, a 70 px offset is not.
    const out = sortReadingOrder([box("b", 300, 0, 200, 80), box("a", 0, 25, 200, 80), box("c", 0, 95, 200, 80)]);
    expect(out.map((b) => b.name)).toEqual(["a", "b", "c"]);
  });
});
