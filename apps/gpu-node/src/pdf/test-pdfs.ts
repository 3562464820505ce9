/**
 * PDFs made in tests with pdf-lib (MIT, a devDependency): text pages in a standard (non-embedded)
 * font, an empty document, and one that needs a password.
 */
import { randomBytes } from "node:crypto";
import { PDFDocument, PDFHexString, StandardFonts } from "pdf-lib";

export type TTextLine = { text: string; x?: number; y?: number; size?: number };

/** One page per entry, US Letter, each line drawn in Helvetica (the font is not embedded). */
export async function textPdf(pages: (string | TTextLine)[][], size: [number, number] = [612, 792]): Promise<Buffer> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  for (const lines of pages) {
    const page = doc.addPage(size);
    lines.forEach((l, i) => {
      const line = typeof l === "string" ? { text: l } : l;
      const fontSize = line.size ?? 28;
      page.drawText(line.text, { x: line.x ?? 72, y: line.y ?? size[1] - 100 - i * fontSize * 1.6, size: fontSize, font });
    });
  }
  return Buffer.from(await doc.save());
}

/** A well-formed PDF whose page tree is empty. */
export async function zeroPagePdf(): Promise<Buffer> {
  const doc = await PDFDocument.create();
  // pdf-lib adds a blank page to an empty document unless told not to.
  return Buffer.from(await doc.save({ addDefaultPage: false }));
}

/**
 * A PDF with a standard security handler (RC4, revision 3) whose user password is not empty, so no
 * reader opens it without the password. The password check fails before any string or stream would
 * be decrypted, so the page content itself need not be encrypted for the test.
 */
export async function encryptedPdf(): Promise<Buffer> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  doc.addPage([612, 792]).drawText("secret", { x: 72, y: 700, size: 28, font });
  const ctx = doc.context;
  const encrypt = ctx.obj({
    Filter: "Standard",
    V: 2,
    R: 3,
    Length: 128,
    P: -3904,
    O: PDFHexString.of(randomBytes(32).toString("hex")),
    U: PDFHexString.of(randomBytes(32).toString("hex")),
  });
  ctx.trailerInfo.Encrypt = ctx.register(encrypt);
  const id = PDFHexString.of(randomBytes(16).toString("hex"));
  ctx.trailerInfo.ID = ctx.obj([id, id]);
  return Buffer.from(await doc.save({ useObjectStreams: false }));
}
