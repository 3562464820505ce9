import { AppError } from "@headroom/protocol";

/**
 * Reads a request body but stops at `limitBytes`, so an oversized upload is refused without being
 * buffered whole, whether or not the client sent Content-Length.
 */
export async function readBodyLimited(req: Request, limitBytes: number): Promise<Buffer> {
  const declared = Number(req.headers.get("content-length") ?? NaN);
  if (Number.isFinite(declared) && declared > limitBytes) {
    throw new AppError("FILE_TOO_LARGE", `The request is ${declared} bytes, over the limit of ${limitBytes} bytes`);
  }
  if (!req.body) return Buffer.alloc(0);
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = req.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limitBytes) {
      await reader.cancel();
      throw new AppError("FILE_TOO_LARGE", `The request is over the limit of ${limitBytes} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}
