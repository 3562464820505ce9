// The fleet benchmark's workload: from a folder of receipt JPEGs, a deterministic mix of receipts,
// 4000×3000 scans, A4 pages at 150 DPI and multi-page PDFs, with a manifest.json.
// Every random choice is drawn up front from one seeded generator, so rendering can run in parallel
// and the same seed, scale and sources always give the same files.
import { mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { PDFDocument } from "pdf-lib";
import sharp from "sharp";
import { tileLayout, type TPlacement, type TSize } from "./tile.ts";
import { KIND_PREFIX, type TWorkload, type TWorkloadFile, type TWorkloadKind } from "./types.ts";
import { mapLimit } from "./util.ts";
import { rng } from "../../packages/scheduler/bench/random.ts";

export type TMakeWorkloadOptions = {
  srcDir: string;
  outDir: string;
  /** Default 1. */
  seed?: number;
  /** Multiplies every count; 1 gives 320 pages, 0.1 a quick local run. Default 1. */
  scale?: number;
  /** Images rendered at once; default: the machine's cores. */
  concurrency?: number;
};

/** Pages at scale 1, and each kind's share of them. */
export const BASE_PAGES = 320;
export const MIX: Record<TWorkloadKind, number> = { receipt: 0.35, scan4000x3000: 0.15, "a4-150dpi": 0.25, pdf: 0.25 };

const SCAN: TSize = { widthPx: 4000, heightPx: 3000 };
/** A4 at 150 DPI. */
export const A4: TSize = { widthPx: 1240, heightPx: 1754 };
const A4_POINTS = { width: 595.28, height: 841.89 };
const JPEG_QUALITY = 85;
const PDF_PAGES = { min: 2, max: 8 };
/** Receipts are scanned at roughly 200–300 DPI; at half size their text is still legible to OCR. */
const A4_MIN_SCALE = 0.5;

/** Same PRNG as the scheduler benchmark's (mulberry32): the same workload on every platform. */
export const seededRandom = rng;

function shuffle<T>(items: readonly T[], rand: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

export type TWorkloadPlan = { receipts: number; scans: number; a4: number; pdfPages: number[] };

/** How many of each kind: at least one of each, and PDFs of 2–8 pages adding up to their share. */
export function planWorkload(scale: number, rand: () => number): TWorkloadPlan {
  const total = BASE_PAGES * scale;
  const count = (k: TWorkloadKind) => Math.max(1, Math.round(total * MIX[k]));
  let remaining = Math.max(PDF_PAGES.min, count("pdf"));
  const pdfPages: number[] = [];
  while (remaining > 0) {
    let n = PDF_PAGES.min + Math.floor(rand() * (PDF_PAGES.max - PDF_PAGES.min + 1));
    // Never leave a 1-page remainder: every PDF has at least two pages.
    if (remaining - n < PDF_PAGES.min) n = remaining <= PDF_PAGES.max ? remaining : remaining - PDF_PAGES.min;
    pdfPages.push(n);
    remaining -= n;
  }
  return { receipts: count("receipt"), scans: count("scan4000x3000"), a4: count("a4-150dpi"), pdfPages };
}

type TSource = TSize & { path: string; name: string };

async function readSources(srcDir: string): Promise<TSource[]> {
  const names = (await readdir(srcDir)).filter((n) => /\.(jpe?g|png)$/i.test(n)).sort();
  if (names.length === 0) throw new Error(`No receipt images (.jpg, .png) in ${srcDir}`);
  return Promise.all(
    names.map(async (name) => {
      const p = path.join(srcDir, name);
      const m = await sharp(p).metadata();
      return { path: p, name, widthPx: m.width, heightPx: m.height };
    }),
  );
}

/** Cycles through the sources in a seeded order, so every receipt gets used before any repeats. */
function sourceCycle(count: number, rand: () => number): () => number {
  let order: number[] = [];
  return () => {
    if (order.length === 0) order = shuffle([...Array(count).keys()], rand);
    return order.pop()!;
  };
}

function layoutScan(sources: TSource[], next: () => number): TPlacement[] {
  return tileLayout(sources, { canvas: SCAN, marginPx: 60, gapPx: 40, minHeightPx: 400, scaleFor: () => 1, next });
}

function layoutA4(sources: TSource[], next: () => number): TPlacement[] {
  const fit = (s: TSize) => Math.min(1, (A4.widthPx - 80) / s.widthPx, (A4.heightPx - 80) / s.heightPx);
  return tileLayout(sources, { canvas: A4, marginPx: 40, gapPx: 24, minHeightPx: 300, scaleFor: (s) => Math.max(A4_MIN_SCALE, fit(s)), next });
}

/** One JPEG page: the placed receipts, scaled and cropped, on white. Raw pixels avoid a re-encode per receipt. */
async function renderPage(canvas: TSize, placements: TPlacement[], sources: TSource[]): Promise<Buffer> {
  const layers = await Promise.all(
    placements.map(async (p) => {
      const { data, info } = await sharp(sources[p.source]!.path)
        .resize(p.scaledWidthPx, p.scaledHeightPx, { fit: "fill" })
        .extract({ left: 0, top: 0, width: p.widthPx, height: p.heightPx })
        .removeAlpha()
        .raw()
        .toBuffer({ resolveWithObject: true });
      return { input: data, raw: { width: info.width, height: info.height, channels: info.channels }, left: p.left, top: p.top };
    }),
  );
  return sharp({ create: { width: canvas.widthPx, height: canvas.heightPx, channels: 3, background: "#ffffff" } })
    .composite(layers)
    .jpeg({ quality: JPEG_QUALITY })
    .toBuffer();
}

async function renderPdf(pages: Buffer[]): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  // Fixed dates and producer, so the same workload gives byte-identical PDFs.
  doc.setCreationDate(new Date(0));
  doc.setModificationDate(new Date(0));
  doc.setProducer("headroom fleet-bench");
  doc.setCreator("headroom fleet-bench");
  for (const jpeg of pages) {
    const img = await doc.embedJpg(jpeg);
    const page = doc.addPage([A4_POINTS.width, A4_POINTS.height]);
    page.drawImage(img, { x: 0, y: 0, width: A4_POINTS.width, height: A4_POINTS.height });
  }
  return doc.save();
}

type TTask = { name: string; kind: TWorkloadKind; render: () => Promise<Buffer | Uint8Array | null>; size: TSize; pages: number; copyFrom?: string };

export async function makeWorkload(opts: TMakeWorkloadOptions): Promise<TWorkload> {
  const seed = opts.seed ?? 1;
  const scale = opts.scale ?? 1;
  if (!(scale > 0)) throw new Error(`scale must be > 0, got ${scale}`);
  const sources = await readSources(opts.srcDir);
  const rand = seededRandom(seed);
  const plan = planWorkload(scale, rand);
  const next = sourceCycle(sources.length, rand);
  const pad = (i: number) => String(i + 1).padStart(4, "0");

  // Every draw from `rand` happens here, in a fixed order, before anything renders.
  const tasks: TTask[] = [];
  for (let i = 0; i < plan.receipts; i++) {
    const s = sources[next()]!;
    const ext = path.extname(s.name).toLowerCase();
    tasks.push({ name: `${KIND_PREFIX.receipt}${pad(i)}${ext}`, kind: "receipt", size: s, pages: 1, copyFrom: s.path, render: async () => null });
  }
  for (let i = 0; i < plan.scans; i++) {
    const layout = layoutScan(sources, next);
    tasks.push({ name: `${KIND_PREFIX.scan4000x3000}${pad(i)}.jpg`, kind: "scan4000x3000", size: SCAN, pages: 1, render: () => renderPage(SCAN, layout, sources) });
  }
  for (let i = 0; i < plan.a4; i++) {
    const layout = layoutA4(sources, next);
    tasks.push({ name: `${KIND_PREFIX["a4-150dpi"]}${pad(i)}.jpg`, kind: "a4-150dpi", size: A4, pages: 1, render: () => renderPage(A4, layout, sources) });
  }
  plan.pdfPages.forEach((n, i) => {
    const layouts = Array.from({ length: n }, () => layoutA4(sources, next));
    tasks.push({
      name: `${KIND_PREFIX.pdf}${pad(i)}.pdf`, kind: "pdf", size: A4, pages: n,
      render: async () => renderPdf(await Promise.all(layouts.map((l) => renderPage(A4, l, sources)))),
    });
  });
  const order = shuffle(tasks, rand);

  await mkdir(opts.outDir, { recursive: true });
  const concurrency = opts.concurrency ?? os.availableParallelism();
  const files = await mapLimit(order, concurrency, async (t): Promise<TWorkloadFile> => {
    const out = path.resolve(opts.outDir, t.name);
    // Read and write rather than copy: a copy keeps the source's mode, and read-only sources would make a second run fail.
    if (t.copyFrom) await writeFile(out, await readFile(t.copyFrom));
    else await writeFile(out, (await t.render())!);
    const bytes = (await stat(out)).size;
    return { path: out, name: t.name, kind: t.kind, pages: t.pages, widthPx: t.size.widthPx, heightPx: t.size.heightPx, bytes };
  });
  const workload: TWorkload = { files, pages: files.reduce((n, f) => n + f.pages, 0) };
  const manifest = {
    version: 1, seed, scale, sources: sources.map((s) => s.name),
    pages: workload.pages,
    files: files.map((f) => ({ ...f, path: f.name })),
  };
  await writeFile(path.join(opts.outDir, "manifest.json"), JSON.stringify(manifest, null, 1) + "\n");
  return workload;
}

/** A workload made earlier, from its manifest.json; paths come back absolute. */
export async function readWorkload(dir: string): Promise<TWorkload> {
  const m = JSON.parse(await readFile(path.join(dir, "manifest.json"), "utf8")) as { files: TWorkloadFile[] };
  const files = m.files.map((f) => ({ ...f, path: path.resolve(dir, f.path) }));
  return { files, pages: files.reduce((n, f) => n + f.pages, 0) };
}

/**
 * One kind's files alone, in the workload's order, repeated in whole rounds until they hold at least
 * `minPages` pages: a phase that measures one kind (fleet-plan.ts `gpu:1@45:a4`) needs more of it than
 * the mix has. The same file offered again is a new job (the API keys jobs by upload, not content).
 */
export function repeatKind(workload: TWorkload, kind: TWorkloadKind, minPages: number): TWorkload {
  const round = workload.files.filter((f) => f.kind === kind);
  const perRound = round.reduce((n, f) => n + f.pages, 0);
  if (perRound === 0) throw new Error(`the workload has no ${kind} pages`);
  const rounds = Math.max(1, Math.ceil(minPages / perRound));
  const files = Array.from({ length: rounds }, () => round).flat();
  return { files, pages: rounds * perRound };
}
