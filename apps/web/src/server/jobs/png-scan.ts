// Walks a PNG's chunks before any decoder sees it, to find compression bombs that a decoder would
// otherwise inflate in full: image data (IDAT) that inflates past what the header's size needs, and
// compressed text or colour-profile chunks (zTXt, iTXt, iCCP) that inflate past a sane size.
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

/** Throws DECOMPRESSION_BOMB; a PNG that is merely damaged is left for the decoder to refuse. */
export async function checkPngInflation(name: string, png: Buffer): Promise<void> {
  if (!png.subarray(0, 8).equals(SIGNATURE)) return;
  const chunks = chunksOf(png);
  const ihdr = chunks[0]?.type === "IHDR" && chunks[0].data.length >= 13 ? chunks[0].data : null;
  if (!ihdr) return;
  const [widthPx, heightPx, bitDepth, colourType] = [ihdr.readUInt32BE(0), ihdr.readUInt32BE(4), ihdr[8]!, ihdr[9]!];
  // Each row is a filter byte and its samples; Adam7 interlacing adds at most a filter byte per
  // row of each of its 7 passes.
  const rowBytes = 1 + Math.ceil((widthPx * (CHANNELS[colourType] ?? 4) * bitDepth) / 8);
  const neededBytes = heightPx * rowBytes + 7 * (heightPx + 1);
  const idat = Buffer.concat(chunks.filter((c) => c.type === "IDAT").map((c) => c.data));
  // Only data that could possibly inflate past the need is inflated (most real PNGs are not).
  if (maxInflatedFrom(idat.length) > neededBytes && (await inflateCapped(idat, neededBytes)).overCap) {
    throw new AppError("DECOMPRESSION_BOMB", `${name}: its image data inflates past the ${neededBytes} bytes that ${widthPx}×${heightPx} pixels need`);
  }
  for (const c of chunks) {
    const z = compressedPart(c);
    if (z && maxInflatedFrom(z.length) > MAX_PNG_ANCILLARY_BYTES && (await inflateCapped(z, MAX_PNG_ANCILLARY_BYTES)).overCap) {
      throw new AppError("DECOMPRESSION_BOMB", `${name}: its ${c.type} chunk inflates past ${MAX_PNG_ANCILLARY_BYTES} bytes`);
    }
  }
}
