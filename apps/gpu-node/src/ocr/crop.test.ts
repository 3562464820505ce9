import { describe, expect, it } from "vitest";
import { applyHomography, quadSizePx, rectToQuadHomography, rotateQuad180, rotateQuadCcw, sampleQuad, type TRgbImage } from "./crop.ts";
import type { TQuadPx } from "./geometry.ts";

/** A 200×100 image whose red channel is x, green is y, blue is 7: every pixel names its position. */
function coordImage(): TRgbImage {
  const widthPx = 200, heightPx = 100;
  const data = new Uint8Array(widthPx * heightPx * 3);
  for (let y = 0; y < heightPx; y++) for (let x = 0; x < widthPx; x++) data.set([x, y, 7], (y * widthPx + x) * 3);
  return { data, widthPx, heightPx, channels: 3 };
}

const identity = { scale: [1, 1, 1] as const, bias: [0, 0, 0] as const, channelOrder: [0, 1, 2] as const };

describe("rectToQuadHomography", () => {
  it("maps the rectangle's corners onto the quad", () => {
    const quad: TQuadPx = [[10, 20], [110, 5], [130, 70], [0, 60]];
    const hm = rectToQuadHomography(64, 16, quad);
    const corners = [[0, 0], [64, 0], [64, 16], [0, 16]] as const;
    corners.forEach(([u, v], i) => {
      const [x, y] = applyHomography(hm, u, v);
      expect(x).toBeCloseTo(quad[i]![0], 9);
      expect(y).toBeCloseTo(quad[i]![1], 9);
    });
  });
});

describe("sampleQuad", () => {
  it("crops an axis-aligned box 1:1 with pixel-exact values (NCHW, padded row)", () => {
    const img = coordImage();
    // Box corners at pixel centres 40..80 × 30..50: 40 × 20 output pixels.
    const quad: TQuadPx = [[40, 30], [80, 30], [80, 50], [40, 50]];
    const tensor = new Float32Array(3 * 20 * 48).fill(-9);
    sampleQuad(img, quad, { tensor, offset: 0, tensorWidth: 48, tensorHeight: 20, outWidthPx: 40, ...identity });
    const at = (c: number, y: number, x: number) => tensor[c * 20 * 48 + y * 48 + x]!;
    for (const [u, v] of [[0, 0], [39, 19], [17, 5]] as const) {
      expect(at(0, v, u)).toBeCloseTo(40 + (u + 0.5) * (40 / 40), 6);
      expect(at(1, v, u)).toBeCloseTo(30 + (v + 0.5) * (20 / 20), 6);
      expect(at(2, v, u)).toBeCloseTo(7, 6);
    }
    expect(at(0, 0, 40)).toBe(-9); // padding untouched
  });

  it("samples a rotated quad along its own axes, and reorders for 90° and 180° turns", () => {
    const img = coordImage();
    // A 60×20 box turned 90° clockwise in the image: its "top" edge runs down the right-hand side.
    const quad: TQuadPx = [[120, 10], [120, 70], [100, 70], [100, 10]];
    const tensor = new Float32Array(3 * 20 * 60);
    sampleQuad(img, quad, { tensor, offset: 0, tensorWidth: 60, tensorHeight: 20, outWidthPx: 60, ...identity });
    // Moving right in the output walks down the image (y grows); moving down walks left (x shrinks).
    expect(tensor[20 * 60 + 0]).toBeCloseTo(10.5, 5);
    expect(tensor[20 * 60 + 59]).toBeCloseTo(69.5, 5);
    expect(tensor[0]).toBeCloseTo(119.5, 5);
    expect(tensor[19 * 60]).toBeCloseTo(100.5, 5);
    expect(rotateQuad180(quad)).toEqual([quad[2], quad[3], quad[0], quad[1]]);
    expect(rotateQuadCcw(quad)).toEqual([quad[1], quad[2], quad[3], quad[0]]);
    expect(quadSizePx(quad)).toEqual({ widthPx: 60, heightPx: 20 });
  });

  it("averages when shrinking, applies channel order and normalisation", () => {
    const img = coordImage();
    const quad: TQuadPx = [[0, 0], [160, 0], [160, 80], [0, 80]];
    const tensor = new Float32Array(3 * 10 * 20);
    sampleQuad(img, quad, {
      tensor, offset: 0, tensorWidth: 20, tensorHeight: 10, outWidthPx: 20,
      channelOrder: [2, 1, 0], scale: [2 / 255, 2 / 255, 2 / 255], bias: [-1, -1, -1],
    });
    expect(tensor[0]).toBeCloseTo((7 * 2) / 255 - 1, 6); // channel 0 is blue
    // Red channel (now channel 2) of output pixel 10 averages x over [80, 88): centre 84.
    expect((tensor[2 * 200 + 10]! + 1) * 127.5).toBeCloseTo(84, 4);
  });
});
