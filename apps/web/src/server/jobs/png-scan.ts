// Walks a PNG's chunks for compression bombs: compressed text or colour-profile chunks (zTXt, iTXt,
// iCCP) that inflate past a sane size, which a decoder would inflate in full, and image data (IDAT)
// that holds more than the header's size could need.
import { AppError } from "@headroom/protocol";
import { inflateCapped, maxInflatedFrom } from "./inflate-capped";

/** A compressed ancillary chunk may inflate to this, in bytes: large ICC profiles are a few MiB. */
export const MAX_PNG_ANCILLARY_BYTES = 8 * 1024 * 1024;

const SIGNATURE = Buffer.from("89504e470d0a1a0a", "hex");
/** Samples per pixel by PNG colour type. */
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

type TChunk = { type: string; data: Buffer };

function chunksOf(png: Buffer): TChunk[] {
  const chunks: TChunk[] = [];
  for (let at = SIGNATURE.length; at + 12 <= png.length; ) {
    const length = png.readUInt32BE(at);
    const type = png.toString("latin1", at + 4, at + 8);
    const end = Math.min(png.length, at + 8 + length);
    chunks.push({ type, data: png.subarray(at + 8, end) });
    if (type === "IEND") break;
    at = end + 4;
  }
  return chunks;
}

/** The zlib data in a compressed ancillary chunk, or null when the chunk is not compressed. */
function compressedPart(c: TChunk): Buffer | null {
  const nul = c.data.indexOf(0); // keyword or profile name, then NUL
  if (nul < 0) return null;
  if (c.type === "zTXt" || c.type === "iCCP") return c.data.subarray(nul + 2); // NUL, method byte
  if (c.type === "iTXt" && c.data[nul + 1] === 1) {
    // NUL, compression flag, method, language tag NUL, translated keyword NUL, text
    const lang = c.data.indexOf(0, nul + 3);
    const translated = lang < 0 ? -1 : c.data.indexOf(0, lang + 1);
    return translated < 0 ? null : c.data.subarray(translated + 1);
  }
  return null;
}

/** The chunks and the header's fields, or null for what is not a PNG with an IHDR (left to the decoder). */
function parse(png: Buffer): { chunks: TChunk[]; widthPx: number; heightPx: number; bitDepth: number; colourType: number } | null {
  if (!png.subarray(0, 8).equals(SIGNATURE)) return null;
  const chunks = chunksOf(png);
  const ihdr = chunks[0]?.type === "IHDR" && chunks[0].data.length >= 13 ? chunks[0].data : null;
  if (!ihdr) return null;
  return { chunks, widthPx: ihdr.readUInt32BE(0), heightPx: ihdr.readUInt32BE(4), bitDepth: ihdr[8]!, colourType: ihdr[9]! };
}

/**
 * Compressed text and colour-profile chunks: decoders inflate these whole, so they are checked
 * before any decoder runs. Throws DECOMPRESSION_BOMB.
 */
export async function checkPngChunks(name: string, png: Buffer): Promise<void> {
  for (const c of parse(png)?.chunks ?? []) {
    const z = compressedPart(c);
    if (z && maxInflatedFrom(z.length) > MAX_PNG_ANCILLARY_BYTES && (await inflateCapped(z, MAX_PNG_ANCILLARY_BYTES)).overCap) {
      throw new AppError("DECOMPRESSION_BOMB", `${name}: its ${c.type} chunk inflates past ${MAX_PNG_ANCILLARY_BYTES} bytes`);
    }
  }
}

/**
 * Image data (IDAT) bigger, compressed, than the header's size needs even stored without any
 * compression: a zlib bomb hidden behind a small image, or a file that is not what it says. This
 * costs nothing (no inflating). Data that is smaller than the need but would inflate past it is no
 * danger: libspng stops inflating at the image's last row, here and on the nodes. Throws
 * DECOMPRESSION_BOMB.
 */
export function checkPngImageData(name: string, png: Buffer): void {
  const p = parse(png);
  if (!p) return;
  // Each row is a filter byte and its samples; Adam7 interlacing adds at most a filter byte per
  // row of each of its 7 passes.
  const rowBytes = 1 + Math.ceil((p.widthPx * (CHANNELS[p.colourType] ?? 4) * p.bitDepth) / 8);
  const neededBytes = p.heightPx * rowBytes + 7 * (p.heightPx + 1);
  // Stored deflate: the zlib header and checksum, 5 bytes a 64 KiB block; and room for an encoder
  // that flushes after every row (5 bytes each) and a little more.
  const mostBytes = neededBytes + 6 + 5 * Math.ceil(neededBytes / 65_535) + 5 * p.heightPx + 1024;
  const idatBytes = p.chunks.reduce((n, c) => n + (c.type === "IDAT" ? c.data.length : 0), 0);
  if (idatBytes > mostBytes) {
    throw new AppError("DECOMPRESSION_BOMB", `${name}: its image data is ${idatBytes} bytes compressed, more than the ${neededBytes} bytes that ${p.widthPx}×${p.heightPx} pixels need uncompressed`);
  }
}
