// The bad-input zoo: every hostile or malformed upload that POST /api/v1/jobs is tested with, and
// the answer each gets. The tests (bad-input-zoo.db.test.ts, bad-input-timing.db.test.ts) run them
// through the real route handler, and the table in docs/security.md "## Bad input" is rendered from
// this list and checked by the zoo test, so the documentation cannot drift from the behaviour.
import sharp from "sharp";
import * as bad from "./bad-input-fixtures";

/** The limits the zoo's server runs with (env of the test process), small so that bombs stay small. */
export const ZOO_LIMITS = { maxBytes: 2_000_000, maxPixels: 4_000_000, maxPages: 5 };

export type TZooPart = { field: string; name?: string; type?: string; bytes: Buffer };
/** A request body: parts to be framed as multipart, or raw bytes with their own Content-Type. */
export type TZooRequest = { parts: TZooPart[]; idempotencyKey?: string } | { raw: Buffer; contentType: string };

export type TZooCase = {
  group: "Image bombs" | "PDF bombs" | "Disguises" | "Names" | "Request shapes" | "Timing";
  kind: string;
  status: number;
  code: string;
  /** What the message must say (and the message always names the file where there is one). */
  message: RegExp;
  request: () => Promise<TZooRequest> | TZooRequest;
  /** Runs in bad-input-timing.db.test.ts, whose server has a short decode time limit. */
  timing?: true;
  /** Not one request: its own test in the zoo file sends it (the table still lists it). */
  custom?: string;
};

const png = (w = 60, h = 40) => sharp({ create: { width: w, height: h, channels: 3, background: "#fff" } }).png().toBuffer();
const file = (bytes: Buffer, name = "bad.png", type = "image/png"): TZooRequest => ({ parts: [{ field: "file", name, type, bytes }] });
const named = async (name: string): Promise<TZooRequest> => file(await png(), name);

export const ZOO: TZooCase[] = [
  // Image bombs: the size, the frame count or the compressed data claims far more than the bytes hold.
  { group: "Image bombs", kind: "PNG whose header claims 100,000 × 100,000 pixels (69 bytes)", status: 413, code: "TOO_MANY_PIXELS", message: /100000×100000 is over the limit/, request: () => file(bad.pngHugeHeader()) },
  { group: "Image bombs", kind: "PNG (1 × 1) whose image data is a zlib bomb inflating to 64 MiB", status: 413, code: "DECOMPRESSION_BOMB", message: /image data is \d+ bytes compressed, more than the 18 bytes that 1×1 pixels need uncompressed/, request: () => file(bad.pngZlibBomb(64 * 1024 * 1024)) },
  { group: "Image bombs", kind: "PNG with a compressed text chunk (zTXt) inflating to 64 MiB", status: 413, code: "DECOMPRESSION_BOMB", message: /zTXt chunk inflates past 8388608 bytes/, request: () => file(bad.pngTextBomb(64 * 1024 * 1024)) },
  { group: "Image bombs", kind: "JPEG whose frame header claims 65,000 × 65,000 pixels (2 KiB)", status: 413, code: "TOO_MANY_PIXELS", message: /65000×65000 is over the limit/, request: async () => file(await bad.jpegHugeHeader(), "bad.jpg", "image/jpeg") },
  { group: "Image bombs", kind: "BMP whose header claims 50,000 × 50,000 pixels (BMP is not decodable here)", status: 415, code: "UNSUPPORTED_MEDIA_TYPE", message: /not a supported image or PDF \(image\/bmp\)/, request: () => file(bad.bmpHugeHeader(50_000, 50_000), "bad.bmp", "image/bmp") },
  { group: "Image bombs", kind: "GIF with 5,000 frames", status: 413, code: "TOO_MANY_PAGES", message: /5000 frames \(pages\) is over the limit of 5/, request: () => file(bad.gifFrames(5000), "bad.gif", "image/gif") },
  { group: "Image bombs", kind: "TIFF with 2,000 frames (pages)", status: 413, code: "TOO_MANY_PAGES", message: /2000 frames \(pages\) is over the limit of 5/, request: () => file(bad.tiffFrames(2000), "bad.tif", "image/tiff") },
  { group: "Image bombs", kind: "JPEG with a corrupt Huffman table", status: 400, code: "INVALID_INPUT", message: /cannot be read .*Huffman table/, request: async () => file(await bad.jpegBadHuffman(), "bad.jpg", "image/jpeg") },
  { group: "Image bombs", kind: "WebP with a truncated chunk", status: 400, code: "INVALID_INPUT", message: /cannot be read/, request: async () => file(await bad.webpTruncatedChunk(), "bad.webp", "image/webp") },
  // PDF bombs.
  { group: "PDF bombs", kind: "PDF with an object stream that inflates to 64 MiB", status: 413, code: "DECOMPRESSION_BOMB", message: /an object stream\) inflates past the limit of 16000000 bytes/, request: () => file(bad.pdfObjectStreamBomb(64 * 1024 * 1024), "bad.pdf", "application/pdf") },
  { group: "PDF bombs", kind: "PDF with a page tree nested 5,000 deep", status: 400, code: "INVALID_INPUT", message: /page tree has 5000 inner nodes/, request: () => file(bad.pdfDeepPageTree(5000), "bad.pdf", "application/pdf") },
  { group: "PDF bombs", kind: "PDF whose page tree and xref claim 1,000,000 pages", status: 413, code: "TOO_MANY_PAGES", message: /1000000 pages \(as the PDF's page tree claims\) is over the limit of 5/, request: () => file(bad.pdfMillionPages(), "bad.pdf", "application/pdf") },
  { group: "PDF bombs", kind: "PDF that runs JavaScript when opened", status: 415, code: "ACTIVE_CONTENT", message: /active content \(\/JavaScript\)/, request: () => file(bad.pdfWithJavaScript(), "bad.pdf", "application/pdf") },
  { group: "PDF bombs", kind: "PDF with JavaScript spelt in #xx name escapes (/J#61vaScript)", status: 415, code: "ACTIVE_CONTENT", message: /active content \(\/JavaScript\)/, request: () => file(bad.pdfWithEscapedJavaScript(), "bad.pdf", "application/pdf") },
  { group: "PDF bombs", kind: "PDF with an embedded file (an .exe attachment)", status: 415, code: "ACTIVE_CONTENT", message: /active content \(\/EmbeddedFiles?\)/, request: () => file(bad.pdfWithEmbeddedFile(), "bad.pdf", "application/pdf") },
  { group: "PDF bombs", kind: "Encrypted PDF (needs a password)", status: 400, code: "ENCRYPTED_PDF", message: /encrypted and needs a password/, request: () => file(bad.pdfEncrypted(), "bad.pdf", "application/pdf") },
  { group: "PDF bombs", kind: "PDF with a broken xref and no objects to rebuild it from", status: 400, code: "INVALID_INPUT", message: /damaged or truncated/, request: () => file(bad.pdfBrokenXref(), "bad.pdf", "application/pdf") },
  // Disguises: the type is decided by the bytes, never by the name or the part's Content-Type.
  { group: "Disguises", kind: "Polyglot: a valid PDF that is also a ZIP archive", status: 415, code: "UNSUPPORTED_MEDIA_TYPE", message: /application\/pdf and a ZIP archive at once/, request: () => file(bad.withZipAppended(bad.pdfOnePage()), "doc.pdf", "application/pdf") },
  { group: "Disguises", kind: "Polyglot: a valid PNG with a ZIP archive appended", status: 415, code: "UNSUPPORTED_MEDIA_TYPE", message: /image\/png and a ZIP archive at once/, request: async () => file(bad.withZipAppended(await png())) },
  { group: "Disguises", kind: "A Windows executable sent as image/jpeg, named photo.jpg", status: 415, code: "UNSUPPORTED_MEDIA_TYPE", message: /not a supported image or PDF \(application\/x-msdownload\)/, request: () => file(Buffer.concat([Buffer.from("MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xff", "latin1"), Buffer.alloc(200)]), "photo.jpg", "image/jpeg") },
  { group: "Disguises", kind: "SVG with a script, sent as image/png", status: 415, code: "UNSUPPORTED_MEDIA_TYPE", message: /not a supported image or PDF/, request: () => file(Buffer.from('<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>'), "logo.png") },
  { group: "Disguises", kind: "HTML page sent as image/jpeg", status: 415, code: "UNSUPPORTED_MEDIA_TYPE", message: /not a supported image or PDF \(unknown content\)/, request: () => file(Buffer.from("<!doctype html><html><body><script>alert(1)</script></body></html>"), "scan.jpg", "image/jpeg") },
  // Names: a label only; the stored key is a UUID whatever the name.
  { group: "Names", kind: "File name of 300 characters", status: 400, code: "INVALID_FILE_NAME", message: /300 bytes long, over the limit of 255/, request: () => named(`${"a".repeat(296)}.png`) },
  { group: "Names", kind: "File name with a right-to-left override (U+202E in invoice_gnp.exe)", status: 400, code: "INVALID_FILE_NAME", message: /bidirectional override/, request: () => named("invoice\u202egnp.exe") },
  { group: "Names", kind: "File name with control characters (NUL, ESC)", status: 400, code: "INVALID_FILE_NAME", message: /control characters/, request: () => named("a\u0000b\u001b[31m.png") },
  { group: "Names", kind: "File name with ../ (../../etc/passwd.png)", status: 400, code: "INVALID_FILE_NAME", message: /without folders/, request: () => named("../../etc/passwd.png") },
  // Request shapes.
  { group: "Request shapes", kind: "1,000 files in one request", status: 413, code: "TOO_MANY_FILES", message: /1000 files in one request is over the limit of 20/, request: async () => { const bytes = await png(4, 4); return { parts: Array.from({ length: 1000 }, (_, i) => ({ field: "file", name: `f${i}.png`, type: "image/png", bytes })) }; } },
  { group: "Request shapes", kind: "multipart/form-data with no boundary", status: 400, code: "INVALID_INPUT", message: /no boundary/, request: async () => ({ raw: Buffer.from("--x\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\n\r\nabc\r\n--x--\r\n"), contentType: "multipart/form-data" }) },
  { group: "Request shapes", kind: "Multipart body cut off before its closing boundary", status: 400, code: "INVALID_INPUT", message: /could not be parsed/, request: async () => ({ raw: Buffer.concat([Buffer.from("--x\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\nContent-Type: image/png\r\n\r\n"), await png()]), contentType: "multipart/form-data; boundary=x" }) },
  { group: "Request shapes", kind: "A text field named 'file' instead of a file", status: 400, code: "INVALID_INPUT", message: /must be a file, not text/, request: () => ({ parts: [{ field: "file", bytes: Buffer.from("hello") }] }) },
  { group: "Request shapes", kind: "JSON body instead of multipart", status: 400, code: "INVALID_INPUT", message: /Send multipart\/form-data/, request: () => ({ raw: Buffer.from('{"file":"x"}'), contentType: "application/json" }) },
  { group: "Request shapes", kind: "priority 1000 (the form allows -100 to 100)", status: 400, code: "INVALID_INPUT", message: /priority: /, request: async () => ({ parts: [{ field: "file", name: "a.png", type: "image/png", bytes: await png() }, { field: "priority", bytes: Buffer.from("1000") }] }) },
  { group: "Request shapes", kind: "Idempotency key of 201 characters (at most 200)", status: 400, code: "INVALID_INPUT", message: /idempotencyKey: /, request: async () => ({ parts: [{ field: "file", name: "a.png", type: "image/png", bytes: await png() }, { field: "idempotencyKey", bytes: Buffer.from("k".repeat(201)) }] }) },
  { group: "Request shapes", kind: "One idempotency key reused for a different file", status: 409, code: "CONFLICT", message: /already used for other files/, request: () => file(Buffer.alloc(0)), custom: "idempotency-reuse" },
  { group: "Request shapes", kind: "One idempotency key sent by 4 requests at once", status: 200, code: "(replay)", message: /./, request: () => file(Buffer.alloc(0)), custom: "idempotency-race" },
  // Timing.
  { group: "Timing", kind: "Valid 6,000 × 6,000 interlaced PNG (35 KiB) that takes seconds to decode", status: 422, code: "DECODE_TIMEOUT", message: /took longer than the limit of \d+ ms/, request: () => file(bad.pngSlowToDecode(6000, 6000), "slow.png"), timing: true },
];

/** docs/security.md's table, between its markers. */
export function renderZooTable(cases: TZooCase[] = ZOO): string {
  const rows = cases.map((c) => {
    const answer = c.custom === "idempotency-race" ? "one 201, the others 200 with the same job ids; one job, one file" : `${c.status} \`${c.code}\``;
    return `| ${c.group} | ${c.kind} | ${answer} |`;
  });
  return ["| Kind | Case | Answer |", "|---|---|---|", ...rows].join("\n");
}

export const ZOO_TABLE_START = "<!-- bad-input-zoo:start (rendered from apps/web/src/server/jobs/bad-input-cases.ts; the zoo test checks it) -->";
export const ZOO_TABLE_END = "<!-- bad-input-zoo:end -->";
