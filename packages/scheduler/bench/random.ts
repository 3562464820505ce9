// Seeded randomness, so every run of the benchmark sees the same fleet and the same trace.

/** mulberry32: a tiny, fast 32-bit PRNG; plenty for a simulation, useless for secrets. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal draw (Box–Muller). */
export function normal(r: () => number): number {
  const u = Math.max(r(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r());
}

export function pick<T>(r: () => number, items: readonly T[]): T {
  return items[Math.floor(r() * items.length)]!;
}

/** A UUID-shaped id that sorts by index, so tie-breaks are reproducible in memory and in Postgres. */
export function seqUuid(prefix: number, i: number): string {
  return `${prefix.toString(16).padStart(8, "0")}-0000-4000-8000-${i.toString(16).padStart(12, "0")}`;
}

export type TDocument = { kind: "receipt" | "photo" | "scan" | "pdf"; widthPx: number; heightPx: number; pages: number };

/**
 * One OCR upload from a realistic mix: receipts (narrow, about 1 MP), phone photos of documents
 * (4000×3000), A4 scans at 300 DPI (2480×3508) and multi-page PDFs rasterised at 200 DPI.
 */
export function drawDocument(r: () => number): TDocument {
  const u = r();
  if (u < 0.4) return { kind: "receipt", widthPx: 576 + Math.floor(r() * 500), heightPx: 1200 + Math.floor(r() * 2000), pages: 1 };
  if (u < 0.65) return { kind: "photo", widthPx: 4000, heightPx: 3000, pages: 1 };
  if (u < 0.85) return { kind: "scan", widthPx: 2480, heightPx: 3508, pages: 1 };
  return { kind: "pdf", widthPx: 1654, heightPx: 2339, pages: 2 + Math.floor(r() * r() * 30) };
}
