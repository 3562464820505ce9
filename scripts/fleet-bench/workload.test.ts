import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { PDFDocument } from "pdf-lib";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { A4, BASE_PAGES, makeWorkload, planWorkload, readWorkload, repeatKind, seededRandom } from "./workload.ts";
import type { TWorkload, TWorkloadFile } from "./types.ts";

/**
 * Receipt-like JPEGs of receipt-like sizes (narrow, 1,000–2,400 px tall, dark rows of "print" on off-white
 * paper), so the workload is made the same on every machine, with or without ../shared/eval. What it
 * checks (sizes, page counts, determinism, ink on the pages) does not depend on what the receipts say.
 */
async function syntheticReceipts(dir: string, count: number): Promise<void> {
  await mkdir(dir, { recursive: true });
  const rand = seededRandom(42);
  for (let i = 0; i < count; i++) {
    const widthPx = 500 + Math.round(rand() * 400);
    const heightPx = 1000 + Math.round(rand() * 1400);
    const rows: string[] = [];
    for (let y = 40; y < heightPx - 40; y += 36) {
      const w = Math.round((0.3 + rand() * 0.6) * (widthPx - 80));
      rows.push(`<rect x="40" y="${y}" width="${w}" height="18" fill="#222"/>`);
    }
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${widthPx}" height="${heightPx}"><rect width="100%" height="100%" fill="#f4f1ea"/>${rows.join("")}</svg>`;
    await writeFile(path.join(dir, `${String(i).padStart(3, "0")}.jpg`), await sharp(Buffer.from(svg)).jpeg({ quality: 85 }).toBuffer());
  }
}

describe("planWorkload", () => {
  it("offers at least 300 pages at scale 1 in roughly the promised mix, PDFs of 2–8 pages", () => {
    const p = planWorkload(1, seededRandom(1));
    const pdf = p.pdfPages.reduce((a, b) => a + b, 0);
    const total = p.receipts + p.scans + p.a4 + pdf;
    expect(total).toBe(BASE_PAGES);
    expect(total).toBeGreaterThanOrEqual(300);
    expect([p.receipts / total, p.scans / total, p.a4 / total, pdf / total]).toEqual([0.35, 0.15, 0.25, 0.25]);
    for (const n of p.pdfPages) expect(n >= 2 && n <= 8).toBe(true);
  });

  it.each([0.01, 0.05, 0.1, 0.37, 2])("has every kind and no 1-page PDF at scale %s", (scale) => {
    for (let seed = 1; seed <= 20; seed++) {
      const p = planWorkload(scale, seededRandom(seed));
      expect(Math.min(p.receipts, p.scans, p.a4, p.pdfPages.length)).toBeGreaterThanOrEqual(1);
      for (const n of p.pdfPages) expect(n >= 2 && n <= 8).toBe(true);
    }
  });
});

describe("repeatKind", () => {
  const file = (name: string, kind: TWorkloadFile["kind"], pages = 1): TWorkloadFile => ({ path: `/w/${name}`, name, kind, pages, widthPx: 1, heightPx: 1, bytes: 1 });
  const mixed: TWorkload = {
    files: [file("a4-0001.jpg", "a4-150dpi"), file("receipt-0001.jpg", "receipt"), file("doc-0001.pdf", "pdf", 3), file("a4-0002.jpg", "a4-150dpi"), file("doc-0002.pdf", "pdf", 2)],
    pages: 8,
  };

  it("offers one kind alone, in whole rounds of the workload's order, until it holds the pages asked for", () => {
    const a4 = repeatKind(mixed, "a4-150dpi", 5);
    expect(a4.files.map((f) => f.name)).toEqual(["a4-0001.jpg", "a4-0002.jpg", "a4-0001.jpg", "a4-0002.jpg", "a4-0001.jpg", "a4-0002.jpg"]);
    expect(a4.pages).toBe(6);
  });

  it("counts a PDF's pages, and offers every file once at least", () => {
    expect(repeatKind(mixed, "pdf", 6)).toMatchObject({ pages: 10 });
    expect(repeatKind(mixed, "receipt", 0)).toMatchObject({ pages: 1 });
  });

  it("refuses a kind the workload lacks", () => {
    expect(() => repeatKind(mixed, "scan4000x3000", 10)).toThrow(/no scan4000x3000 pages/);
  });
});

describe("makeWorkload at scale 0.05", () => {
  let dir: string;
  let src: string;
  let w: TWorkload;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "fleet-bench-"));
    src = path.join(dir, "src");
    await syntheticReceipts(src, 8);
    w = await makeWorkload({ srcDir: src, outDir: path.join(dir, "a"), scale: 0.05, seed: 7 });
  }, 120_000);
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("makes every kind, with the sizes and page counts it claims", async () => {
    expect(new Set(w.files.map((f) => f.kind))).toEqual(new Set(["receipt", "scan4000x3000", "a4-150dpi", "pdf"]));
    expect(w.pages).toBe(w.files.reduce((n, f) => n + f.pages, 0));
    expect(w.pages).toBeGreaterThanOrEqual(BASE_PAGES * 0.05);
    for (const f of w.files) {
      const bytes = await readFile(f.path);
      expect(bytes.length).toBe(f.bytes);
      if (f.kind === "pdf") {
        const doc = await PDFDocument.load(bytes);
        expect(doc.getPageCount()).toBe(f.pages);
        expect(f.pages).toBeGreaterThanOrEqual(2);
        expect(f.pages).toBeLessThanOrEqual(8);
        const { width, height } = doc.getPage(0).getSize();
        expect([Math.round(width), Math.round(height)]).toEqual([595, 842]);
        expect([f.widthPx, f.heightPx]).toEqual([A4.widthPx, A4.heightPx]);
        continue;
      }
      const m = await sharp(bytes).metadata();
      expect(m.format).toBe("jpeg");
      expect([m.width, m.height]).toEqual([f.widthPx, f.heightPx]);
      expect(f.pages).toBe(1);
      if (f.kind === "scan4000x3000") expect([m.width, m.height]).toEqual([4000, 3000]);
      if (f.kind === "a4-150dpi") expect([m.width, m.height]).toEqual([1240, 1754]);
    }
  });

  it("uses every source receipt", async () => {
    const m = JSON.parse(await readFile(path.join(dir, "a", "manifest.json"), "utf8")) as { sources: string[] };
    expect(m.sources).toHaveLength(8);
  });

  it("puts receipts on the pages, not just white", async () => {
    const scan = w.files.find((f) => f.kind === "scan4000x3000")!;
    const { channels } = await sharp(scan.path).stats();
    // A blank page has a mean of 255 in each channel; text and paper tint pull it down.
    expect(channels[0]!.mean).toBeLessThan(250);
  });

  it("writes a manifest that reads back to the same workload", async () => {
    expect(await readWorkload(path.join(dir, "a"))).toEqual(w);
  });

  it("is deterministic for a seed", async () => {
    const again = await makeWorkload({ srcDir: src, outDir: path.join(dir, "b"), scale: 0.05, seed: 7 });
    const digest = async (p: string) => createHash("sha256").update(await readFile(p)).digest("hex");
    expect(again.files.map((f) => f.name)).toEqual(w.files.map((f) => f.name));
    for (let i = 0; i < w.files.length; i++) expect(await digest(again.files[i]!.path)).toBe(await digest(w.files[i]!.path));
  }, 120_000);
});
