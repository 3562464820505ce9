// What the PDF pre-scan must not refuse: the bombs themselves are in the zoo (bad-input-cases.ts).
import { deflateSync } from "node:zlib";
import { AppError } from "@headroom/protocol";
import { describe, expect, it } from "vitest";
import { pdfFromObjects, repeatedZlib } from "./bad-input-fixtures";
import { checkPdfStructure } from "./pdf-scan";

const limits = { maxPages: 5, maxStreamBytes: 1_000_000 };
const stream = (dict: string, data: Buffer) => Buffer.concat([Buffer.from(`<< ${dict} /Length ${data.length} >>\nstream\n`, "latin1"), data, Buffer.from("\nendstream", "latin1")]);
const onePage = (extraCatalog: string, more: (string | Buffer)[] = [], contents = "") =>
  pdfFromObjects([`<< /Type /Catalog /Pages 2 0 R ${extraCatalog}>>`, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>", `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] ${contents}>>`, ...more]);
const codeOf = (p: Promise<void>) => p.then(() => "accepted", (e: unknown) => (e instanceof AppError ? e.code : String(e)));

describe("checkPdfStructure", () => {
  it("accepts an outline whose /Count (bookmarks) is over the page limit", async () => {
    expect(await codeOf(checkPdfStructure("o.pdf", onePage("/Outlines 4 0 R ", ["<< /Type /Outlines /Count 120 >>"]), limits))).toBe("accepted");
  });

  it("does not read names inside stream data (a content stream that draws the text /JS)", async () => {
    const content = stream("", Buffer.from("BT /F1 12 Tf (x) Tj ET % /JavaScript /JS /Launch", "latin1"));
    expect(await codeOf(checkPdfStructure("c.pdf", onePage("", [content], "/Contents 4 0 R "), limits))).toBe("accepted");
  });

  it("accepts compressed streams up to the cap, including two Flate layers, and refuses one past it", async () => {
    const under = stream("/Filter [/FlateDecode /FlateDecode]", deflateSync(repeatedZlib(0x20, 900_000)));
    expect(await codeOf(checkPdfStructure("u.pdf", onePage("", [under], "/Contents 4 0 R "), limits))).toBe("accepted");
    const over = stream("/Filter [/FlateDecode /FlateDecode]", deflateSync(repeatedZlib(0x20, 1_100_000)));
    expect(await codeOf(checkPdfStructure("v.pdf", onePage("", [over], "/Contents 4 0 R "), limits))).toBe("DECOMPRESSION_BOMB");
  });

  it("finds active content and page claims inside compressed object streams too", async () => {
    const objstm = (body: string) => stream("/Type /ObjStm /N 1 /First 4 /Filter /FlateDecode", deflateSync(Buffer.from(`5 0 ${body}`, "latin1")));
    expect(await codeOf(checkPdfStructure("j.pdf", onePage("", [objstm("<< /S /JavaScript /JS (x) >>")]), limits))).toBe("ACTIVE_CONTENT");
    expect(await codeOf(checkPdfStructure("p.pdf", onePage("", [objstm("<< /Type /Pages /Kids [] /Count 9 >>")]), limits))).toBe("TOO_MANY_PAGES");
  });
});
