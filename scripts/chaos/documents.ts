// Small real documents for the steady load, so that a job takes a second or two on a CPU agent:
// bands cropped from the SROIE receipts beside the repository (../shared/eval/sroie2019/img), or
// rendered receipt-like text where that folder is absent, plus two-page PDFs made of them.
import { existsSync, readdirSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { PDFDocument } from "pdf-lib";
import sharp from "sharp";

export type TDocument = { name: string; bytes: Buffer; mimeType: "image/jpeg" | "application/pdf" };

const WIDTH_PX = 480;

function receiptsDir(repoRoot: string): string | undefined {
  const dir = path.resolve(repoRoot, "..", "shared", "eval", "sroie2019", "img");
  return existsSync(dir) ? dir : undefined;
}

async function cropBand(file: string, band: number): Promise<Buffer> {
  const img = sharp(await readFile(file));
  const { width = 0, height = 0 } = await img.metadata();
  // A quarter of the receipt's height, one of its first three quarters: a few lines of real text.
  const top = Math.floor((height / 4) * band);
  return sharp(await readFile(file))
    .extract({ left: 0, top, width, height: Math.max(1, Math.min(Math.floor(height / 4), height - top)) })
    .resize({ width: WIDTH_PX })
    .jpeg({ quality: 80 })
    .toBuffer();
}

async function rendered(i: number): Promise<Buffer> {
  const rows = ["TAX INVOICE", `RECEIPT NO ${1000 + i}`, `ITEM ${i} x 2     ${(i * 3.1).toFixed(2)}`, `TOTAL        ${(i * 6.2).toFixed(2)}`]
    .map((t, r) => `<text x="16" y="${40 + r * 34}" font-family="DejaVu Sans, sans-serif" font-size="22">${t}</text>`);
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH_PX}" height="180"><rect width="100%" height="100%" fill="#fff"/>${rows.join("")}</svg>`;
  return sharp(Buffer.from(svg)).jpeg({ quality: 85 }).toBuffer();
}

async function pdfOf(pages: Buffer[]): Promise<Buffer> {
  const doc = await PDFDocument.create();
  for (const jpg of pages) {
    const img = await doc.embedJpg(jpg);
    doc.addPage([img.width * 0.75, img.height * 0.75]).drawImage(img, { x: 0, y: 0, width: img.width * 0.75, height: img.height * 0.75 });
  }
  return Buffer.from(await doc.save());
}

/** `count` images and two 2-page PDFs, the same ones for the same sources. */
export async function makeDocuments(repoRoot: string, count = 12): Promise<{ docs: TDocument[]; source: string }> {
  const dir = receiptsDir(repoRoot);
  const images: Buffer[] = [];
  if (dir) {
    const files = readdirSync(dir).filter((f) => /\.jpe?g$/i.test(f)).sort();
    for (let i = 0; i < count && files.length > 0; i++) images.push(await cropBand(path.join(dir, files[i % files.length]!), i % 3));
  } else {
    for (let i = 0; i < count; i++) images.push(await rendered(i));
  }
  const docs: TDocument[] = images.map((bytes, i) => ({ name: `band-${i}.jpg`, bytes, mimeType: "image/jpeg" }));
  docs.push({ name: "two-pages-a.pdf", bytes: await pdfOf([images[0]!, images[1 % images.length]!]), mimeType: "application/pdf" });
  docs.push({ name: "two-pages-b.pdf", bytes: await pdfOf([images[2 % images.length]!, images[3 % images.length]!]), mimeType: "application/pdf" });
  return { docs, source: dir ? "bands of the SROIE receipts in ../shared/eval/sroie2019/img" : "rendered receipt-like text (../shared absent)" };
}

/**
 * Eight receipt bands in one PDF: long enough on a one-thread CPU agent to be cut off mid-job, yet
 * under a megapixel in all. (Four whole receipts, 18 megapixels, were never placed on the CPU agents
 * by the fleet index: see docs/reliability.md.)
 */
export async function makeLongDocument(repoRoot: string): Promise<TDocument> {
  const { docs } = await makeDocuments(repoRoot, 8);
  const pages = docs.filter((d) => d.mimeType === "image/jpeg").map((d) => d.bytes);
  return { name: "long-eight-bands.pdf", bytes: await pdfOf(pages), mimeType: "application/pdf" };
}
