// Multipart parsing for POST /api/v1/jobs: file fields plus optional priority and idempotencyKey.
import { AppError } from "@headroom/protocol";
import { z } from "zod";
import { declaredLength, limitedBody } from "../read-body";
import type { TUploadFile } from "./create-jobs";

export const MAX_FILES_PER_REQUEST = 20;

const ZFieldsSchema = z.object({
  priority: z.coerce.number().int().min(-100).max(100).default(0),
  idempotencyKey: z.string().min(1).max(200).nullable().default(null),
});

/** The most one request's body may carry: every allowed file and the framing around them, within the replica's upload budget. */
export function uploadBodyLimit(maxFileBytes: number, budgetBytes: number): number {
  return Math.min(maxFileBytes * MAX_FILES_PER_REQUEST + 64 * 1024, budgetBytes);
}

/**
 * What an upload reserves of the replica's budget before its body is read: its Content-Length, or
 * without one the whole limit. A declared length over the limit is refused here, before it waits.
 */
export function uploadReservation(req: Request, limitBytes: number): number {
  return declaredLength(req, limitBytes, "; send fewer files per request") ?? limitBytes;
}

export async function parseUpload(req: Request, limitBytes: number, timeoutMs = Infinity): Promise<{ files: TUploadFile[]; priority: number; idempotencyKey: string | null }> {
  const type = req.headers.get("content-type") ?? "";
  if (!type.toLowerCase().startsWith("multipart/form-data")) {
    throw new AppError("INVALID_INPUT", "Send multipart/form-data with one or more 'file' fields");
  }
  // Checked before reading the body: without a boundary no part of it can be found.
  if (!/;\s*boundary=("[^"]+"|[^\s;]+)/i.test(type)) {
    throw new AppError("INVALID_INPUT", "The Content-Type multipart/form-data has no boundary parameter, so the parts cannot be found");
  }
  // The body goes to the parse as a stream: a Buffer read first and handed over would be copied
  // twice more on the way in.
  const body = limitedBody(req, limitBytes, timeoutMs);
  let form: FormData;
  try {
    form = await new Response(body, { headers: { "content-type": type } }).formData();
  } catch (err) {
    if (err instanceof AppError) throw err; // the body's own limits: FILE_TOO_LARGE, UPLOAD_TIMEOUT
    throw new AppError("INVALID_INPUT", "The multipart body could not be parsed");
  }
  const entries = form.getAll("file");
  if (entries.length === 0) throw new AppError("INVALID_INPUT", "Send at least one file in a multipart field named 'file'");
  if (entries.length > MAX_FILES_PER_REQUEST) throw new AppError("TOO_MANY_FILES", `${entries.length} files in one request is over the limit of ${MAX_FILES_PER_REQUEST}; send them in several requests`);
  const files: TUploadFile[] = [];
  for (const e of entries) {
    if (typeof e === "string") throw new AppError("INVALID_INPUT", "The 'file' field must be a file, not text");
    files.push({ name: e.name || "upload", bytes: Buffer.from(await e.arrayBuffer()) });
  }
  const fields = ZFieldsSchema.parse({
    priority: form.get("priority") ?? undefined,
    idempotencyKey: (form.get("idempotencyKey") as string | null) ?? req.headers.get("idempotency-key") ?? null,
  });
  return { files, ...fields };
}
