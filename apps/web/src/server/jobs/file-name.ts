// The client's file name is a label and nothing else: it is shown (React escapes it) and searched,
// but no storage key, path or header is ever made from it. Names that can only be meant to deceive
// a reader or a tool are refused rather than cleaned, so what the user sees is what they sent.
import { AppError } from "@headroom/protocol";

/** The most UTF-8 bytes a name may have: what common file systems allow for one file name. */
export const MAX_FILE_NAME_BYTES = 255;
export const DEFAULT_FILE_NAME = "upload";

// C0 and C1 controls and DEL: invisible, and some end a string or a log line early.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/u;
// Bidirectional overrides and isolates: they make "invoice_gpj.exe" read as "invoice_exe.jpg".
// Plain right-to-left letters (Arabic, Hebrew) are fine.
const BIDI_CONTROL = /[\u202a-\u202e\u2066-\u2069]/u;

/** The name to keep for an upload, or AppError INVALID_FILE_NAME saying why not. */
export function checkFileName(name: string): string {
  if (name === "") return DEFAULT_FILE_NAME;
  // The message quotes the name with the invisible characters spelt out, so it cannot deceive either.
  const shown = `"${(name.length > 60 ? `${name.slice(0, 60)}…` : name).replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069"]/gu, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`)}"`;
  const bytes = Buffer.byteLength(name, "utf8");
  if (bytes > MAX_FILE_NAME_BYTES) throw new AppError("INVALID_FILE_NAME", `The file name is ${bytes} bytes long, over the limit of ${MAX_FILE_NAME_BYTES}: ${shown}`);
  if (CONTROL.test(name)) throw new AppError("INVALID_FILE_NAME", `The file name ${shown} contains control characters`);
  if (BIDI_CONTROL.test(name)) throw new AppError("INVALID_FILE_NAME", `The file name ${shown} contains bidirectional override characters`);
  // Browsers and curl send the base name only; a path here is a client trying something.
  if (/[/\\]/.test(name) || name === "." || name === "..") throw new AppError("INVALID_FILE_NAME", `The file name ${shown} must be a name without folders (no '/', '\\' or '..')`);
  return name;
}
