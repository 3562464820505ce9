import { AppError } from "@headroom/protocol";

/**
 * The body's length as its Content-Length declares it, or null when it declares none; a declared
 * length over `limitBytes` is refused (FILE_TOO_LARGE) before a byte is read. `hint` ends the message.
 */
export function declaredLength(req: Request, limitBytes: number, hint = ""): number | null {
  const declared = Number(req.headers.get("content-length") ?? NaN);
  if (!Number.isFinite(declared) || declared < 0) return null;
  if (declared > limitBytes) throw new AppError("FILE_TOO_LARGE", `The request is ${declared} bytes, over the limit of ${limitBytes} bytes${hint}`);
  return declared;
}

/**
 * A request's body as a stream that stops at `limitBytes`, so an oversized upload is refused without
 * being buffered whole, whether or not the client sent Content-Length. It also stops at `timeoutMs`
 * from the first read: a client that trickles its body would otherwise hold a request (and its
 * buffered bytes) open until the HTTP server's own timeout, minutes later. Either way the stream
 * errors with the AppError (FILE_TOO_LARGE, UPLOAD_TIMEOUT), which whoever reads it passes on.
 *
 * A stream rather than a Buffer so that its reader (the multipart parse) holds the body once, not
 * once here and again there: on a request of 20 large files that was the difference between one
 * replica's memory limit and several times it (docs/scaling.md, "What large uploads cost").
 */
export function limitedBody(req: Request, limitBytes: number, timeoutMs = Infinity): ReadableStream<Uint8Array> {
  declaredLength(req, limitBytes);
  const reader = req.body?.getReader();
  let total = 0;
  let deadline: Promise<"timeout"> | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (!reader) return controller.close();
        if (!deadline && Number.isFinite(timeoutMs)) deadline = new Promise((resolve) => (timer = setTimeout(() => resolve("timeout"), timeoutMs)));
        try {
          const next = deadline ? await Promise.race([reader.read(), deadline]) : await reader.read();
          if (next === "timeout") throw new AppError("UPLOAD_TIMEOUT", `The request body did not arrive within ${timeoutMs} ms`);
          if (next.done) {
            clearTimeout(timer);
            return controller.close();
          }
          total += next.value.byteLength;
          if (total > limitBytes) throw new AppError("FILE_TOO_LARGE", `The request is over the limit of ${limitBytes} bytes`);
          controller.enqueue(next.value);
        } catch (err) {
          clearTimeout(timer);
          await reader.cancel().catch(() => {});
          throw err;
        }
      },
      cancel(reason) {
        clearTimeout(timer);
        return reader?.cancel(reason);
      },
    },
    { highWaterMark: 0 }, // read from the socket only as fast as the parse takes it
  );
}
