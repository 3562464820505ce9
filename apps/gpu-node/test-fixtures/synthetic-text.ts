/**
 * Synthetic text for int8 calibration and its checks (bench/int8-calibrate.ts, bench/int8-heldout.ts,
 * src/ocr/model-prep/quantize.test.ts): receipt-like Latin lines and Chinese from the model's own
 * dictionary, rendered with the system fonts (@napi-rs/canvas), seeded so every run sees the same
 * lines. Never the eval receipts.
 */
import { createCanvas } from "@napi-rs/canvas";
import ort from "onnxruntime-node";

/** Deterministic pseudo-random numbers in [0, 1). */
export function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    return s / 2 ** 32;
  };
}

const FONTS = ["DejaVu Sans", "DejaVu Sans Mono", "DejaVu Serif", "Liberation Sans", "Liberation Mono", "Liberation Serif", "Noto Sans CJK SC"];
const UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const LOWER = "abcdefghijklmnopqrstuvwxyz";

/** A random receipt-like line: words, amounts, dates, codes; Chinese from `cjk` now and then. */
export function randomLine(r: () => number, cjk: readonly string[]): string {
  const pick = (s: string | readonly string[]) => s[Math.floor(r() * s.length)]!;
  const word = () => {
    const n = 2 + Math.floor(r() * 8);
    const abc = r() < 0.7 ? UPPER : LOWER;
    let w = "";
    for (let i = 0; i < n; i++) w += pick(abc);
    return r() < 0.15 ? w[0]!.toUpperCase() + w.slice(1).toLowerCase() : w;
  };
  const num = () => {
    const k = r();
    if (k < 0.4) return `${Math.floor(r() * 1000)}.${String(Math.floor(r() * 100)).padStart(2, "0")}`;
    if (k < 0.55) return `${String(1 + Math.floor(r() * 28)).padStart(2, "0")}/${String(1 + Math.floor(r() * 12)).padStart(2, "0")}/20${10 + Math.floor(r() * 20)}`;
    if (k < 0.7) return `${Math.floor(r() * 24)}:${String(Math.floor(r() * 60)).padStart(2, "0")}`;
    return String(Math.floor(r() * 10 ** (1 + Math.floor(r() * 8))));
  };
  if (r() < 0.15) {
    let s = "";
    const n = 2 + Math.floor(r() * 12);
    for (let i = 0; i < n; i++) s += pick(cjk);
    return s;
  }
  const parts: string[] = [];
  const n = 1 + Math.floor(r() * 6);
  for (let i = 0; i < n; i++) {
    const k = r();
    parts.push(k < 0.6 ? word() : k < 0.9 ? num() : pick(["RM", "TOTAL", "GST", "QTY", "@", "-", ":", "x", "%", "(S)", "#", "*"]));
  }
  return parts.join(r() < 0.8 ? " " : "  ");
}

export type TGray = { data: Uint8Array; widthPx: number; heightPx: number; channels: number };

/** One line rendered dark on light, `heightPx` tall, with random font, size, ink, blur (down/up-scaling). */
export function renderLine(text: string, heightPx: number, r: () => number): TGray {
  const font = FONTS[Math.floor(r() * FONTS.length)]!;
  const size = Math.round(heightPx * (0.5 + r() * 0.3));
  const probe = createCanvas(8, 8).getContext("2d");
  probe.font = `${r() < 0.3 ? "bold " : ""}${size}px "${font}"`;
  const w = Math.max(heightPx, Math.ceil(probe.measureText(text).width + heightPx * (0.2 + r() * 0.4)));
  // Render smaller and scale up sometimes: low-resolution scans.
  const shrink = r() < 0.4 ? 0.35 + r() * 0.4 : 1;
  const cw = Math.max(8, Math.round(w * shrink)), ch = Math.max(8, Math.round(heightPx * shrink));
  const c = createCanvas(cw, ch);
  const g = c.getContext("2d");
  const bg = 200 + Math.floor(r() * 56), ink = Math.floor(r() * 90);
  g.fillStyle = `rgb(${bg},${bg},${bg - Math.floor(r() * 20)})`;
  g.fillRect(0, 0, cw, ch);
  g.fillStyle = `rgb(${ink},${ink},${ink})`;
  g.font = `${probe.font.startsWith("bold") ? "bold " : ""}${Math.round(size * shrink)}px "${font}"`;
  g.textBaseline = "middle";
  g.fillText(text, cw * 0.05 * r() + 2, ch / 2 + (r() - 0.5) * ch * 0.1);
  let src = c;
  if (shrink !== 1) {
    src = createCanvas(w, heightPx);
    const g2 = src.getContext("2d");
    g2.drawImage(c, 0, 0, w, heightPx);
  }
  const img = src.getContext("2d").getImageData(0, 0, src.width, src.height);
  return { data: new Uint8Array(img.data.buffer, img.data.byteOffset, img.data.byteLength), widthPx: src.width, heightPx: src.height, channels: 4 };
}

/** Rec/cls input: one line as a [1, 3, H, W] tensor normalised to [-1, 1]. */
export function lineTensor(img: TGray): ort.Tensor {
  const { widthPx: W, heightPx: H, data } = img;
  const out = new Float32Array(3 * H * W);
  for (let c = 0; c < 3; c++) for (let i = 0; i < H * W; i++) out[c * H * W + i] = data[i * 4 + (2 - c)]! / 127.5 - 1;
  return new ort.Tensor("float32", out, [1, 3, H, W]);
}

/** A page of random lines at random positions, for the detector (DB) calibration. */
export function renderPage(widthPx: number, heightPx: number, r: () => number, cjk: readonly string[]): TGray {
  const c = createCanvas(widthPx, heightPx);
  const g = c.getContext("2d");
  const bg = 215 + Math.floor(r() * 40);
  g.fillStyle = `rgb(${bg},${bg},${bg - 8})`;
  g.fillRect(0, 0, widthPx, heightPx);
  let y = 10;
  while (y < heightPx - 20) {
    const size = 10 + Math.floor(r() * 22);
    const font = FONTS[Math.floor(r() * FONTS.length)]!;
    g.font = `${r() < 0.3 ? "bold " : ""}${size}px "${font}"`;
    const ink = Math.floor(r() * 80);
    g.fillStyle = `rgb(${ink},${ink},${ink})`;
    g.textBaseline = "top";
    g.fillText(randomLine(r, cjk), 5 + r() * widthPx * 0.3, y);
    if (r() < 0.5) g.fillText(randomLine(r, cjk).slice(0, 10), widthPx * (0.6 + r() * 0.2), y);
    y += size * (1.2 + r() * 1.2);
  }
  const img = g.getImageData(0, 0, widthPx, heightPx);
  return { data: new Uint8Array(img.data.buffer, img.data.byteOffset, img.data.byteLength), widthPx, heightPx, channels: 4 };
}
