import { describe, expect, it } from "vitest";
import type { TQuadPx } from "./geometry.ts";
import { fromUprightQuad, keepFlipped, pageAngle, pageFlipped, pageSideways, toUprightQuad, turnBox, type TPageAngle } from "./page-orientation.ts";

const wide = (widthPx: number) => ({ widthPx, heightPx: 30 });
const tall = (heightPx: number) => ({ widthPx: 30, heightPx });
const square = { widthPx: 30, heightPx: 32 };

describe("pageSideways", () => {
  it.each([
    ["no boxes", [], false],
    ["only near-square boxes abstain", [square, square, square], false],
    ["an upright receipt", [wide(400), wide(200), wide(90), square], false],
    ["a receipt on its side", [tall(400), tall(200), tall(90), square], true],
    ["one long tall line outweighs two short wide ones", [tall(600), wide(100), wide(100)], true],
    ["many short tall boxes lose to a long wide line", [tall(60), tall(60), tall(60), wide(400)], false],
    ["a tie stays upright", [tall(200), wide(200)], false],
    ["a box just under the aspect abstains", [{ widthPx: 30, heightPx: 44 }], false],
  ])("%s", (_name, boxes, sideways) => {
    expect(pageSideways(boxes).sideways).toBe(sideways);
  });
});

describe("pageFlipped", () => {
  const SURE = 0.9;
  it.each([
    ["no lines", [], false],
    ["confident upright lines", [{ widthPx: 300, upright: 0.98 }, { widthPx: 200, upright: 0.95 }], false],
    ["every line reads better flipped", [{ widthPx: 300, upright: 0.5, flipped: 0.97 }, { widthPx: 200, upright: 0.6, flipped: 0.99 }], true],
    ["a flipped line on an upright page", [{ widthPx: 300, upright: 0.98 }, { widthPx: 200, upright: 0.5, flipped: 0.99 }, { widthPx: 300, upright: 0.97 }], false],
    ["long lines outvote short ones", [{ widthPx: 600, upright: 0.5, flipped: 0.98 }, { widthPx: 60, upright: 0.99 }, { widthPx: 60, upright: 0.99 }], true],
    ["an unsure one-way reading abstains", [{ widthPx: 100, upright: 0.4, flipped: 0.95 }, { widthPx: 600, upright: 0.7 }], true],
    ["a sure one-way flipped reading votes", [{ widthPx: 100, flipped: 0.95 }], true],
    ["a tie stays upright", [{ widthPx: 100, upright: 0.4, flipped: 0.95 }, { widthPx: 100, upright: 0.95, flipped: 0.4 }], false],
  ])("%s", (_name, lines, flipped) => {
    expect(pageFlipped(lines, SURE).flipped).toBe(flipped);
  });
});

describe("keepFlipped", () => {
  it.each([
    // upright, flipped, page flipped → keep the flipped reading?
    [0.95, undefined, false, false],
    [0.5, 0.97, false, true],
    [0.97, 0.5, false, false],
    [0.9, 0.9, false, false],
    [undefined, 0.9, false, true],
    [0.9, 0.9, true, true],
    [0.97, 0.5, true, false],
    [0.5, 0.97, true, true],
    [0.95, undefined, true, false],
  ])("upright %s, flipped %s, page flipped %s → %s", (upright, flipped, page, keep) => {
    expect(keepFlipped({ upright, flipped }, page)).toBe(keep);
  });
});

describe("page frames", () => {
  // A 100 × 40 px line box in a 500 × 300 image, corners clockwise from the image's top left.
  const W = 500, H = 300;
  const box: TQuadPx = [[10, 20], [110, 20], [110, 60], [10, 60]];

  it("turnBox relabels corners and keeps the points", () => {
    expect(turnBox(box, 0)).toEqual(box);
    expect(turnBox(box, 90)).toEqual([box[1], box[2], box[3], box[0]]);
    expect(turnBox(box, 180)).toEqual([box[2], box[3], box[0], box[1]]);
    expect(turnBox(box, 270)).toEqual([box[3], box[0], box[1], box[2]]);
  });

  it.each([
    [0, [[10, 20], [110, 20], [110, 60], [10, 60]]],
    // Turned 90° clockwise, the upright page is 300 × 500: the text's top left was the image's top right.
    [90, [[20, 389], [60, 389], [60, 489], [20, 489]]],
    [180, [[389, 239], [489, 239], [489, 279], [389, 279]]],
    [270, [[239, 10], [279, 10], [279, 110], [239, 110]]],
  ] as Array<[TPageAngle, TQuadPx]>)("toUprightQuad at %i°", (angle, want) => {
    expect(toUprightQuad(box, angle, W, H)).toEqual(want);
  });

  it.each([0, 90, 180, 270] as TPageAngle[])("fromUprightQuad undoes toUprightQuad at %i°", (angle) => {
    expect(fromUprightQuad(toUprightQuad(box, angle, W, H), angle, W, H)).toEqual(box);
  });

  it.each([
    [false, false, 0],
    [false, true, 180],
    [true, false, 90],
    [true, true, 270],
  ])("pageAngle(sideways %s, flipped %s) = %i", (sideways, flipped, angle) => {
    expect(pageAngle(sideways, flipped)).toBe(angle);
  });
});
