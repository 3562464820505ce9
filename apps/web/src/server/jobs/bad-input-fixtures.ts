// Hostile and malformed files for the bad-input tests, made in code at test time so that nothing
// big is committed: where a bomb is in a header (a claimed size, a page count, a frame count) the
// file stays a few hundred bytes, and the compression bombs are zeros that deflate ~1000:1.
import { constants, crc32, deflateRawSync, deflateSync } from "node:zlib";
import sharp from "sharp";

const u32be = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};

// ------------------------------------------------------------------------------------------ zlib

const MIB = 1024 * 1024;
let mibOf: Map<number, Buffer> | undefined;
/** Raw deflate of 1 MiB of `byte`, ending on a full flush so that copies of it can follow each other. */
function mibBlock(byte: number): Buffer {
  mibOf ??= new Map();
  let b = mibOf.get(byte);
  if (!b) mibOf.set(byte, (b = deflateRawSync(Buffer.alloc(MIB, byte), { level: 9, finishFlush: constants.Z_FULL_FLUSH })));
  return b;
}

/**
 * A zlib stream of `prefix` then `n` copies of `byte`, made without compressing `n` bytes: a full
 * flush ends every deflate block on a byte boundary with an empty dictionary, so one compressed MiB
 * repeats as often as needed. A bomb of hundreds of MiB costs a few milliseconds to make.
 */
export function repeatedZlib(byte: number, n: number, prefix: Buffer = Buffer.alloc(0)): Buffer {
  const flush = { finishFlush: constants.Z_FULL_FLUSH };
  const body = [deflateRawSync(prefix, flush), ...Array.from({ length: Math.floor(n / MIB) }, () => mibBlock(byte)), deflateRawSync(Buffer.alloc(n % MIB, byte), flush), Buffer.from([0x03, 0x00])];
  // Adler-32 of the prefix, then extended by n copies of `byte` in closed form.
  const M = 65521n;
  let a = 1n;
  let b = 0n;
  for (const c of prefix) {
    a = (a + BigInt(c)) % M;
    b = (b + a) % M;
  }
  const [N, C] = [BigInt(n), BigInt(byte)];
  b = (b + N * a + (C * N * (N + 1n)) / 2n) % M;
  a = (a + C * N) % M;
  return Buffer.concat([Buffer.from([0x78, 0xda]), ...body, u32be(Number((b << 16n) | a))]);
}

// ---------------------------------------------------------------------------------------------- PNG

function pngChunk(type: string, data: Buffer): Buffer {
  const typeAndData = Buffer.concat([Buffer.from(type, "latin1"), data]);
  return Buffer.concat([u32be(data.length), typeAndData, u32be(crc32(typeAndData))]);
}

/** A PNG from its chunks: IHDR for an 8-bit RGB image of widthPx × heightPx, the given chunks, IEND. */
export function pngFromChunks(widthPx: number, heightPx: number, chunks: [string, Buffer][]): Buffer {
  const ihdr = Buffer.concat([u32be(widthPx), u32be(heightPx), Buffer.from([8, 2, 0, 0, 0])]);
  return Buffer.concat([Buffer.from("89504e470d0a1a0a", "hex"), pngChunk("IHDR", ihdr), ...chunks.map(([t, d]) => pngChunk(t, d)), pngChunk("IEND", Buffer.alloc(0))]);
}

/** 100,000 × 100,000 pixels in the header, one row of real data: ~100 bytes. */
export const pngHugeHeader = () => pngFromChunks(100_000, 100_000, [["IDAT", deflateSync(Buffer.alloc(1 + 3))]]);

/** A 1 × 1 PNG whose one IDAT inflates to `inflatedBytes` of zeros (the picture needs 4 bytes). */
export const pngZlibBomb = (inflatedBytes: number) => pngFromChunks(1, 1, [["IDAT", repeatedZlib(0, inflatedBytes)]]);

/**
 * A valid, black, 8-bit grey PNG of widthPx × heightPx, Adam7-interlaced (so no decoder can stream
 * it or shrink it while loading): a few KiB that take a decoder the whole image's work.
 */
export function pngSlowToDecode(widthPx: number, heightPx: number): Buffer {
  const passes = [[0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2]] as const;
  let rawBytes = 0;
  for (const [x0, y0, dx, dy] of passes) {
    const w = Math.ceil((widthPx - x0) / dx);
    const h = Math.ceil((heightPx - y0) / dy);
    if (w > 0 && h > 0) rawBytes += h * (1 + w); // a filter byte (0: none) and a byte a pixel per row
  }
  const ihdr = Buffer.concat([u32be(widthPx), u32be(heightPx), Buffer.from([8, 0, 0, 0, 1])]);
  return Buffer.concat([Buffer.from("89504e470d0a1a0a", "hex"), pngChunk("IHDR", ihdr), pngChunk("IDAT", repeatedZlib(0, rawBytes)), pngChunk("IEND", Buffer.alloc(0))]);
}

/** A valid 1 × 1 PNG with a compressed text chunk (zTXt) that inflates to `inflatedBytes`. */
export const pngTextBomb = (inflatedBytes: number) =>
  pngFromChunks(1, 1, [
    ["zTXt", Buffer.concat([Buffer.from("Comment\0\0", "latin1"), repeatedZlib(0x20, inflatedBytes)])],
    ["IDAT", deflateSync(Buffer.alloc(1 + 3))],
  ]);

// ---------------------------------------------------------------------------------------------- GIF

/** A 1 × 1 GIF89a with `frames` frames of one pixel each (15 bytes a frame). */
export function gifFrames(frames: number): Buffer {
  const head = Buffer.concat([Buffer.from("GIF89a", "latin1"), Buffer.from([1, 0, 1, 0, 0x80, 0, 0]), Buffer.from([0, 0, 0, 255, 255, 255])]);
  // Image descriptor (1 × 1 at 0,0), LZW minimum code size 2, one sub-block: clear (4), index 0, end (5).
  const frame = Buffer.from([0x2c, 0, 0, 0, 0, 1, 0, 1, 0, 0, 2, 2, 0x44, 0x01, 0]);
  return Buffer.concat([head, Buffer.alloc(frame.length * frames).fill(frame), Buffer.from([0x3b])]);
}

// --------------------------------------------------------------------------------------------- TIFF

/** A little-endian TIFF of `frames` 1 × 1 grey pages (one IFD each, all sharing one pixel byte). */
export function tiffFrames(frames: number): Buffer {
  const ifdBytes = 2 + 8 * 12 + 4;
  const pixelAt = 8;
  const out = Buffer.alloc(pixelAt + 2 + frames * ifdBytes);
  out.write("II*\0", 0, "latin1");
  out.writeUInt32LE(pixelAt + 2, 4); // first IFD after the pixel byte (word-aligned)
  const tags: [number, number, number][] = [
    [256, 3, 1], // ImageWidth
    [257, 3, 1], // ImageLength
    [258, 3, 8], // BitsPerSample
    [259, 3, 1], // Compression: none
    [262, 3, 1], // Photometric: black is zero
    [273, 4, pixelAt], // StripOffsets
    [278, 3, 1], // RowsPerStrip
    [279, 4, 1], // StripByteCounts
  ];
  for (let f = 0; f < frames; f++) {
    let at = pixelAt + 2 + f * ifdBytes;
    out.writeUInt16LE(tags.length, at);
    at += 2;
    for (const [tag, type, value] of tags) {
      out.writeUInt16LE(tag, at);
      out.writeUInt16LE(type, at + 2);
      out.writeUInt32LE(1, at + 4);
      if (type === 3) out.writeUInt16LE(value, at + 8);
      else out.writeUInt32LE(value, at + 8);
      at += 12;
    }
    out.writeUInt32LE(f + 1 < frames ? at + 4 : 0, at);
  }
  return out;
}

// ------------------------------------------------------------------------------------ JPEG and WebP

const photo = (format: "jpeg" | "webp") =>
  sharp({ create: { width: 64, height: 48, channels: 3, background: "#808080", noise: { type: "gaussian", mean: 128, sigma: 40 } } })
    .toFormat(format)
    .toBuffer();

/** A JPEG whose first Huffman table (DHT) claims more codes than a table can hold. */
export async function jpegBadHuffman(): Promise<Buffer> {
  const jpeg = Buffer.from(await photo("jpeg"));
  const dht = jpeg.indexOf(Buffer.from([0xff, 0xc4]));
  if (dht < 0) throw new Error("no DHT marker in the encoder's JPEG");
  // Segment: FFC4, length (2), class/id (1), then 16 counts of codes per length: all 255.
  jpeg.fill(0xff, dht + 5, dht + 5 + 16);
  return jpeg;
}

/** A WebP whose RIFF and VP8 chunk sizes are kept but whose chunk data is cut in half. */
export async function webpTruncatedChunk(): Promise<Buffer> {
  const webp = await photo("webp");
  return webp.subarray(0, Math.floor(webp.length / 2));
}

// ---------------------------------------------------------------------------------------------- PDF

/**
 * A PDF from object bodies (object n is `objects[n - 1]`, generation 0), with a correct xref table
 * unless `xref` rewrites it. Object 1 must be the catalog.
 */
export function pdfFromObjects(objects: (string | Buffer)[], opts: { trailer?: string; xref?: (table: string) => string } = {}): Buffer {
  const parts: Buffer[] = [Buffer.from("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "latin1")];
  let offset = parts[0]!.length;
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(offset);
    const obj = Buffer.concat([Buffer.from(`${i + 1} 0 obj\n`, "latin1"), typeof body === "string" ? Buffer.from(body, "latin1") : body, Buffer.from("\nendobj\n", "latin1")]);
    parts.push(obj);
    offset += obj.length;
  });
  const rows = offsets.map((o) => `${String(o).padStart(10, "0")} 00000 n \n`).join("");
  const table = `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${rows}`;
  const xref = opts.xref ? opts.xref(table) : table;
  parts.push(Buffer.from(`${xref}trailer\n<< /Size ${objects.length + 1} /Root 1 0 R ${opts.trailer ?? ""}>>\nstartxref\n${offset}\n%%EOF\n`, "latin1"));
  return Buffer.concat(parts);
}

const PAGE = "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>";
const stream = (dict: string, data: Buffer) => Buffer.concat([Buffer.from(`<< ${dict} /Length ${data.length} >>\nstream\n`, "latin1"), data, Buffer.from("\nendstream", "latin1")]);

/** A one-page PDF whose page has an object stream that inflates to `inflatedBytes` (a few numbers, then blanks). */
export function pdfObjectStreamBomb(inflatedBytes: number): Buffer {
  const body = repeatedZlib(0x20, inflatedBytes, Buffer.from("5 0 << >>", "latin1"));
  return pdfFromObjects(["<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [3 0 R] /Count 1 >>", "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>", stream("/Type /ObjStm /N 1 /First 4 /Filter /FlateDecode", body)]);
}

/** One page under a chain of `depth` page-tree nodes, each with one kid. */
export function pdfDeepPageTree(depth: number): Buffer {
  // Object 2 is the root /Pages, objects 3 … depth+1 the chain, depth+2 the page.
  const objects: string[] = ["<< /Type /Catalog /Pages 2 0 R >>"];
  for (let level = 0; level < depth; level++) {
    const n = level + 2;
    const parent = level === 0 ? "" : `/Parent ${n - 1} 0 R `;
    objects.push(`<< /Type /Pages ${parent}/Kids [${n + 1} 0 R] /Count 1 >>`);
  }
  objects.push(`<< /Type /Page /Parent ${depth + 1} 0 R /MediaBox [0 0 612 792] >>`);
  return pdfFromObjects(objects);
}

/** One real page, a page tree that claims a million, and an xref subsection that claims a million entries. */
export const pdfMillionPages = () =>
  pdfFromObjects(["<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [3 0 R] /Count 1000000 >>", PAGE], {
    xref: (table) => table.replace(/^xref\n0 \d+\n/, "xref\n0 1000000\n"),
  });

/** A one-page PDF that runs JavaScript when it opens. */
export const pdfWithJavaScript = () =>
  pdfFromObjects(["<< /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R >>", "<< /Type /Pages /Kids [3 0 R] /Count 1 >>", PAGE, "<< /Type /Action /S /JavaScript /JS (app.alert\\('hi'\\)) >>"]);

/** The same, with the action's names spelt in #xx escapes, as an evasion would. */
export const pdfWithEscapedJavaScript = () =>
  pdfFromObjects(["<< /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R >>", "<< /Type /Pages /Kids [3 0 R] /Count 1 >>", PAGE, "<< /Type /Action /S /J#61vaScript /J#53 (app.alert\\('hi'\\)) >>"]);

/** A one-page PDF with an embedded file attached. */
export const pdfWithEmbeddedFile = () =>
  pdfFromObjects([
    "<< /Type /Catalog /Pages 2 0 R /Names << /EmbeddedFiles << /Names [(a.exe) 4 0 R] >> >> >>",
    "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    PAGE,
    "<< /Type /Filespec /F (a.exe) /EF << /F 5 0 R >> >>",
    stream("/Type /EmbeddedFile", Buffer.from("MZ")),
  ]);

/** Every xref offset wrong and the objects themselves cut: nothing to rebuild the file from. */
export const pdfBrokenXref = () => {
  const good = pdfFromObjects(["<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [3 0 R] /Count 1 >>", PAGE], { xref: (t) => t.replace(/\d{10} 00000 n/g, "0000099999 00000 n") });
  // Remove the "obj" keywords, so a reader that scans for objects finds none either.
  return Buffer.from(good.toString("latin1").replace(/ 0 obj\n/g, " 0 ob\n"), "latin1");
};

/** `host` (a valid PDF or image) with a ZIP archive of one stored file appended: its own reader and an unzip tool both open it. */
export function withZipAppended(host: Buffer): Buffer {
  const pdf = host;
  const name = Buffer.from("payload.html", "latin1");
  const data = Buffer.from("<script>alert(1)</script>", "latin1");
  const crc = crc32(data);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt32LE(crc, 14);
  local.writeUInt32LE(data.length, 18);
  local.writeUInt32LE(data.length, 22);
  local.writeUInt16LE(name.length, 26);
  const localAt = pdf.length;
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(20, 4);
  central.writeUInt16LE(20, 6);
  central.writeUInt32LE(crc, 16);
  central.writeUInt32LE(data.length, 20);
  central.writeUInt32LE(data.length, 24);
  central.writeUInt16LE(name.length, 28);
  central.writeUInt32LE(localAt, 42);
  const centralAt = localAt + local.length + name.length + data.length;
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(central.length + name.length, 12);
  end.writeUInt32LE(centralAt, 16);
  return Buffer.concat([pdf, local, name, data, central, name, end]);
}

/** A valid one-page PDF (one blank US Letter page). */
export const pdfOnePage = () => pdfFromObjects(["<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [3 0 R] /Count 1 >>", PAGE]);

/** A one-page PDF under the standard security handler with a user password that is not empty. */
export function pdfEncrypted(): Buffer {
  const hex = (n: number) => `<${Buffer.alloc(n, 0xa5).toString("hex")}>`;
  return pdfFromObjects(["<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [3 0 R] /Count 1 >>", PAGE, `<< /Filter /Standard /V 2 /R 3 /Length 128 /P -3904 /O ${hex(32)} /U ${hex(32)} >>`], {
    trailer: `/Encrypt 4 0 R /ID [${hex(16)} ${hex(16)}] `,
  });
}

// ------------------------------------------------------------------------------ more header lies

/** A 24-bit BMP whose header claims widthPx × heightPx, with 4 bytes of pixels. */
export function bmpHugeHeader(widthPx: number, heightPx: number): Buffer {
  const b = Buffer.alloc(54 + 4);
  b.write("BM", 0, "latin1");
  b.writeUInt32LE(b.length, 2);
  b.writeUInt32LE(54, 10);
  b.writeUInt32LE(40, 14);
  b.writeInt32LE(widthPx, 18);
  b.writeInt32LE(heightPx, 22);
  b.writeUInt16LE(1, 26);
  b.writeUInt16LE(24, 28);
  return b;
}

/** A GIF whose logical screen is 65,535 × 65,535 around one 1 × 1 frame. */
export function gifHugeScreen(): Buffer {
  const gif = gifFrames(1);
  gif.writeUInt16LE(65_535, 6);
  gif.writeUInt16LE(65_535, 8);
  return gif;
}

/** A JPEG whose frame header (SOF) claims 65,000 × 65,000 pixels; the data is for 64 × 48. */
export async function jpegHugeHeader(): Promise<Buffer> {
  const jpeg = Buffer.from(await photo("jpeg"));
  const sof = jpeg.indexOf(Buffer.from([0xff, 0xc0]));
  if (sof < 0) throw new Error("no SOF0 marker in the encoder's JPEG");
  jpeg.writeUInt16BE(65_000, sof + 5);
  jpeg.writeUInt16BE(65_000, sof + 7);
  return jpeg;
}

/** A TIFF of 2 pages whose second page's "next page" points back at the first: a loop. */
export function tiffLoop(): Buffer {
  const tiff = tiffFrames(2);
  const first = tiff.readUInt32LE(4);
  const second = first + 2 + 8 * 12 + 4;
  tiff.writeUInt32LE(first, second + 2 + 8 * 12);
  return tiff;
}
