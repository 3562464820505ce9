// Reads a PDF's raw structure before pdf.js opens it, for what pdf.js would accept but should not
// reach a GPU node:
// - compressed streams (object streams, page contents, images) that inflate past a cap: a bomb that
//   pdf.js or the node's renderer would otherwise inflate in full;
// - active content (JavaScript, launch actions, embedded files, XFA forms): never needed to read a
//   page, and a file that carries it is not passed on to anyone who might open it;
// - a page tree that claims more pages than allowed, or that is far bigger than its pages need
//   (a deep chain of one-kid nodes that makes every page lookup walk thousands of objects).
// Objects may sit inside compressed object streams, so those are inflated and read too.
import { AppError } from "@headroom/protocol";
import { inflateCapped, maxInflatedFrom } from "./inflate-capped";

/** Name tokens that mark active content (#xx escapes decoded first, as a reader decodes them). */
const ACTIVE_NAMES = new Set(["JavaScript", "JS", "Launch", "EmbeddedFile", "EmbeddedFiles", "RichMedia", "XFA", "GoToE", "SubmitForm", "ImportData"]);

export type TPdfScanLimits = { maxPages: number; maxStreamBytes: number };
type TStream = { dict: string; data: Buffer };

/** Every stream's dictionary text and data, and the file's text with the stream data cut out. */
function split(pdf: Buffer): { streams: TStream[]; text: string } {
  const raw = pdf.toString("latin1");
  const streams: TStream[] = [];
  const textParts: string[] = [];
  const keyword = /\bstream\r?\n/g;
  let textFrom = 0;
  for (let m = keyword.exec(raw); m; m = keyword.exec(raw)) {
    const dataAt = m.index + m[0].length;
    const end = raw.indexOf("endstream", dataAt);
    const dataEnd = end < 0 ? raw.length : end;
    const dictAt = raw.lastIndexOf("obj", m.index);
    streams.push({ dict: raw.slice(Math.max(dictAt, textFrom), m.index), data: pdf.subarray(dataAt, dataEnd) });
    textParts.push(raw.slice(textFrom, dataAt));
    textFrom = end < 0 ? raw.length : end;
    keyword.lastIndex = textFrom;
  }
  textParts.push(raw.slice(textFrom));
  return { streams, text: textParts.join("") };
}

/** The stream's filters, when every one of them is FlateDecode (null otherwise: not inflated here). */
function flateLayers(dict: string): number | null {
  const filter = /\/Filter\s*(\[[^\]]*\]|\/[^\s/<>[\]()]+)/.exec(dict)?.[1];
  if (!filter) return null;
  const names = filter.match(/\/[^\s/<>[\]()]+/g) ?? [];
  return names.length > 0 && names.every((n) => n === "/FlateDecode" || n === "/Fl") ? names.length : null;
}

const decodeName = (name: string) => name.replace(/#([0-9a-fA-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));

export async function checkPdfStructure(name: string, pdf: Buffer, limits: TPdfScanLimits): Promise<void> {
  const { streams, text } = split(pdf);
  const texts = [text];
  for (const s of streams) {
    const layers = flateLayers(s.dict);
    if (layers === null) continue;
    const isObjectStream = /\/Type\s*\/ObjStm\b/.test(s.dict);
    let data: Buffer = s.data;
    for (let layer = 1; layer <= layers; layer++) {
      const last = layer === layers;
      // Skip what cannot reach the cap (deflate's ratio is bounded), unless its text is needed.
      if (last && !isObjectStream && maxInflatedFrom(data.length) <= limits.maxStreamBytes) break;
      const r = await inflateCapped(data, limits.maxStreamBytes, !last || isObjectStream);
      if (r.overCap) {
        throw new AppError("DECOMPRESSION_BOMB", `${name}: a compressed stream${isObjectStream ? " (an object stream)" : ""} inflates past the limit of ${limits.maxStreamBytes} bytes`);
      }
      if (!r.bytes) break;
      data = r.bytes;
      if (last && isObjectStream) texts.push(data.toString("latin1"));
    }
  }
  let claimedPages = 0;
  let treeNodes = 0;
  for (const t of texts) {
    for (const m of t.matchAll(/\/([^\s/<>[\]()%{}]+)/g)) {
      const n = decodeName(m[1]!);
      if (ACTIVE_NAMES.has(n)) throw new AppError("ACTIVE_CONTENT", `${name}: the PDF carries active content (/${n}); send a copy without scripts, actions or attachments`);
    }
    // Only a page-tree node's /Count counts pages (an outline's /Count counts bookmarks).
    for (const m of t.matchAll(/\/Type\s*\/Pages\b/g)) {
      treeNodes++;
      const count = /\/Count\s+(\d{1,12})/.exec(enclosingDict(t, m.index))?.[1];
      if (count) claimedPages = Math.max(claimedPages, Number(count));
    }
  }
  if (claimedPages > limits.maxPages) throw new AppError("TOO_MANY_PAGES", `${name}: ${claimedPages} pages (as the PDF's page tree claims) is over the limit of ${limits.maxPages}`);
  // A sane tree has fewer inner nodes than pages; twice the page limit is generous.
  const maxNodes = 2 * limits.maxPages + 16;
  if (treeNodes > maxNodes) throw new AppError("INVALID_INPUT", `${name}: the PDF's page tree has ${treeNodes} inner nodes, more than ${maxNodes} for at most ${limits.maxPages} pages`);
}

/**
 * The dictionary (`<< … >>`, nested ones included) around position `at` of `t`, looked for within
 * a few KiB: a page-tree node is small, and a bounded search keeps a hostile file from making this
 * quadratic.
 */
function enclosingDict(t: string, at: number): string {
  let depth = 0;
  let open = -1;
  for (let i = at; i > Math.max(0, at - 4096); i--) {
    if (t[i] === ">" && t[i - 1] === ">") (depth++, i--);
    else if (t[i] === "<" && t[i - 1] === "<") {
      if (depth === 0) {
        open = i - 1;
        break;
      }
      depth--;
      i--;
    }
  }
  if (open < 0) return "";
  depth = 0;
  const end = Math.min(t.length, open + 64 * 1024);
  for (let i = open; i + 1 < end; i++) {
    if (t[i] === "<" && t[i + 1] === "<") (depth++, i++);
    else if (t[i] === ">" && t[i + 1] === ">") {
      depth--;
      i++;
      if (depth === 0) return t.slice(open, i + 1);
    }
  }
  return t.slice(open, end);
}
