/**
 * Perspective crops of text quads, sampled straight into a model's input tensor. PaddleOCR warps each
 * quad to an upright image (get_rotate_crop_image) and then resizes it to the model height; we fold the
 * two into one homography so each output pixel is sampled once, bilinearly, from the decoded pixels.
 * When the line is shrunk by more than 1.5× we average a k×k grid of samples per pixel to avoid aliasing.
 */
import type { TRgbImage } from "../image/rgb-image.ts";
import type { TPoint, TQuadPx } from "./geometry.ts";

export type { TRgbImage };

/** 3×3 homography as 9 numbers, row-major, with h[8] = 1. */
export type THomography = Float64Array;

/**
 * Homography mapping the rectangle [0,w]×[0,h] (corners clockwise from the top left) onto `quad`.
 */
export function rectToQuadHomography(w: number, h: number, quad: readonly TPoint[]): THomography {
  const src: TPoint[] = [[0, 0], [w, 0], [w, h], [0, h]];
  // Solve A·x = b for the 8 unknowns: x' = (h0 u + h1 v + h2)/(h6 u + h7 v + 1), likewise y'.
  const a: number[][] = [];
  for (let i = 0; i < 4; i++) {
    const [u, v] = src[i]!;
    const [x, y] = quad[i]!;
    a.push([u, v, 1, 0, 0, 0, -u * x, -v * x, x]);
    a.push([0, 0, 0, u, v, 1, -u * y, -v * y, y]);
  }
  const sol = solveLinear(a);
  return Float64Array.from([...sol, 1]);
}

/** Gaussian elimination with partial pivoting on an n×(n+1) augmented matrix. */
function solveLinear(m: number[][]): number[] {
  const n = m.length;
  for (let col = 0; col < n; col++) {
    let piv = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(m[r]![col]!) > Math.abs(m[piv]![col]!)) piv = r;
    [m[col], m[piv]] = [m[piv]!, m[col]!];
    const p = m[col]![col]!;
    if (Math.abs(p) < 1e-12) throw new Error("degenerate quadrilateral");
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const f = m[r]![col]! / p;
      if (f === 0) continue;
      for (let c = col; c <= n; c++) m[r]![c]! -= f * m[col]![c]!;
    }
  }
  return m.map((row, i) => row[n]! / row[i]!);
}

export function applyHomography(hm: THomography, u: number, v: number): TPoint {
  const d = hm[6]! * u + hm[7]! * v + 1;
  return [(hm[0]! * u + hm[1]! * v + hm[2]!) / d, (hm[3]! * u + hm[4]! * v + hm[5]!) / d];
}

/** Upright size of a quad, as PaddleOCR measures it: the longer of each pair of opposite sides. */
export function quadSizePx(q: TQuadPx): { widthPx: number; heightPx: number } {
  const d = (a: TPoint, b: TPoint) => Math.hypot(a[0] - b[0], a[1] - b[1]);
  return {
    widthPx: Math.max(d(q[0], q[1]), d(q[3], q[2])),
    heightPx: Math.max(d(q[0], q[3]), d(q[1], q[2])),
  };
}

/** The same quad seen after turning the crop 90° counter-clockwise (np.rot90). */
export const rotateQuadCcw = (q: TQuadPx): TQuadPx => [q[1], q[2], q[3], q[0]];
/** The same quad seen after turning the crop 180°. */
export const rotateQuad180 = (q: TQuadPx): TQuadPx => [q[2], q[3], q[0], q[1]];

export type TSampleTarget = {
  /** NCHW float tensor data. */
  tensor: Float32Array;
  /** Element offset of this item's first channel plane. */
  offset: number;
  /** Row stride and plane size of the tensor, in elements. */
  tensorWidth: number;
  tensorHeight: number;
  /** Region to fill, from the left edge: `outWidthPx × tensorHeight`. */
  outWidthPx: number;
  /** Channel i of the tensor takes source channel channelOrder[i] (PaddleOCR models want BGR: [2,1,0]). */
  channelOrder: readonly [number, number, number];
  /** value = pixel × scale + bias, per tensor channel. */
  scale: readonly [number, number, number];
  bias: readonly [number, number, number];
};

/**
 * Sample `quad` of `img` into the target region. `quad` corners map to the region's corners
 * clockwise from the top left. Pixels outside the image repeat the border.
 */
export function sampleQuad(img: TRgbImage, quad: TQuadPx, t: TSampleTarget): void {
  const outW = t.outWidthPx;
  const outH = t.tensorHeight;
  const hm = rectToQuadHomography(outW, outH, quad);
  const { widthPx: qw, heightPx: qh } = quadSizePx(quad);
  const shrink = Math.max(qw / outW, qh / outH);
  const k = shrink > 1.5 ? Math.min(4, Math.ceil(shrink)) : 1;
  const inv = 1 / (k * k);
  const { data, widthPx: W, heightPx: H, channels: C } = img;
  const plane = t.tensorWidth * t.tensorHeight;
  const [c0, c1, c2] = t.channelOrder;
  const [s0, s1, s2] = t.scale;
  const [b0, b1, b2] = t.bias;
  const h0 = hm[0]!, h1 = hm[1]!, h2 = hm[2]!, h3 = hm[3]!, h4 = hm[4]!, h5 = hm[5]!, h6 = hm[6]!, h7 = hm[7]!;
  const maxX = W - 1, maxY = H - 1;
  for (let v = 0; v < outH; v++) {
    const rowBase = t.offset + v * t.tensorWidth;
    for (let u = 0; u < outW; u++) {
      let a0 = 0, a1 = 0, a2 = 0;
      for (let sy = 0; sy < k; sy++) {
        const vv = v + (sy + 0.5) / k;
        for (let sx = 0; sx < k; sx++) {
          const uu = u + (sx + 0.5) / k;
          const d = h6 * uu + h7 * vv + 1;
          let x = (h0 * uu + h1 * vv + h2) / d;
          let y = (h3 * uu + h4 * vv + h5) / d;
          x = x < 0 ? 0 : x > maxX ? maxX : x;
          y = y < 0 ? 0 : y > maxY ? maxY : y;
          const x0 = x | 0, y0 = y | 0;
          const fx = x - x0, fy = y - y0;
          const x1 = x0 < maxX ? x0 + 1 : x0;
          const y1 = y0 < maxY ? y0 + 1 : y0;
          const i00 = (y0 * W + x0) * C, i01 = (y0 * W + x1) * C;
          const i10 = (y1 * W + x0) * C, i11 = (y1 * W + x1) * C;
          const w00 = (1 - fx) * (1 - fy), w01 = fx * (1 - fy), w10 = (1 - fx) * fy, w11 = fx * fy;
          a0 += data[i00 + c0]! * w00 + data[i01 + c0]! * w01 + data[i10 + c0]! * w10 + data[i11 + c0]! * w11;
          a1 += data[i00 + c1]! * w00 + data[i01 + c1]! * w01 + data[i10 + c1]! * w10 + data[i11 + c1]! * w11;
          a2 += data[i00 + c2]! * w00 + data[i01 + c2]! * w01 + data[i10 + c2]! * w10 + data[i11 + c2]! * w11;
        }
      }
      const o = rowBase + u;
      t.tensor[o] = a0 * inv * s0 + b0;
      t.tensor[o + plane] = a1 * inv * s1 + b1;
      t.tensor[o + 2 * plane] = a2 * inv * s2 + b2;
    }
  }
}
