import { AppError } from "@headroom/protocol";

/**
 * Reads a request body but stops at `limitBytes`, so an oversized upload is refused without being
 * buffered whole, whether or not the client sent Content-Length. It also stops at `timeoutMs` from
 * the first read: a client that trickles its body would otherwise hold a request (and its buffered
 * bytes) open until the HTTP server's own timeout, minutes later.
 */
export async function readBodyLimited(req: Request, limitBytes: number, timeoutMs = Infinity): Promise<Buffer> {
  const declared = Number(req.headers.get("content-length") ?? NaN);
  if (Number.isFinite(declared) && declared > limitBytes) {
    throw new AppError("FILE_TOO_LARGE", `The request is ${declared} bytes, over the limit of ${limitBytes} bytes`);
  }
  if (!req.body) return Buffer.alloc(0);
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = req.body.getReader();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = Number.isFinite(timeoutMs)
    ? new Promise<"timeout">((resolve) => {
        timer = setTimeout(() => resolve("timeout"), timeoutMs);
      })
    : null;
  try {
    for (;;) {
      const next = timedOut ? await Promise.race([reader.read(), timedOut]) : await reader.read();
      if (next === "timeout") {
        await reader.cancel().catch(() => {});
        throw new AppError("UPLOAD_TIMEOUT", `The request body did not arrive within ${timeoutMs} ms`);
      }
      const { done, value } = next;
      if (done) break;
      total += value.byteLength;
      if (total > limitBytes) {
        await reader.cancel();
        throw new AppError("FILE_TOO_LARGE", `The request is over the limit of ${limitBytes} bytes`);
      }
      chunks.push(value);
    }
  } finally {
    clearTimeout(timer);
  }
  return Buffer.concat(chunks);
}
