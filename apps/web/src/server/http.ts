// The one place where errors become HTTP answers: {error:{code,message}} with the status that
// packages/protocol assigns to each code. Route handlers throw AppError and never pick statuses.
import { randomUUID } from "node:crypto";
import { isDatabaseUnavailable } from "@headroom/db";
import { AppError } from "@headroom/protocol";
import { z } from "zod";
import { logger } from "./logger";

/** A full disk under the upload store (ENOSPC, or a quota): the client should hear that, not "Internal error". */
function isNoSpace(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return code === "ENOSPC" || code === "EDQUOT";
}

/** When to come back after UNAVAILABLE, in ms: a replica or Postgres restart takes seconds. */
export const UNAVAILABLE_RETRY_MS = 2_000;

/**
 * 503 UNAVAILABLE with Retry-After when `err` says the database could not be reached (so callers,
 * agents included, try again rather than give up on a 500); null for any other error.
 */
export function databaseUnavailable(err: unknown): RetryLaterError | null {
  if (!isDatabaseUnavailable(err)) return null;
  return new RetryLaterError("UNAVAILABLE", "The database cannot be reached right now; nothing was done, try again shortly", UNAVAILABLE_RETRY_MS, { cause: err });
}

export function errorResponse(err: unknown, requestId: string): Response {
  const unavailable = databaseUnavailable(err);
  if (unavailable) {
    logger().warn({ requestId, err: (err as Error).message }, "database unavailable");
    err = unavailable;
  }
  if (isNoSpace(err)) {
    logger().error({ err, requestId }, "upload store is full");
    err = new AppError("INSUFFICIENT_STORAGE", "The upload store is full; nothing was stored, try again later", { cause: err });
  }
  if (err instanceof AppError) {
    const headers: Record<string, string> = { "x-request-id": requestId };
    // Throttles and back-pressure say when to come back (RFC 9110 Retry-After, whole seconds).
    if (err instanceof RetryLaterError) headers["retry-after"] = String(Math.max(1, Math.ceil(err.retryAfterMs / 1000)));
    return Response.json({ error: { code: err.code, message: err.message } }, { status: err.httpStatus, headers });
  }
  if (err instanceof z.ZodError) {
    const message = err.issues.map((i) => `${i.path.join(".") || "body"}: ${i.message}`).join("; ");
    return Response.json({ error: { code: "INVALID_INPUT", message } }, { status: 400, headers: { "x-request-id": requestId } });
  }
  logger().error({ err, requestId }, "unhandled error");
  return Response.json({ error: { code: "INTERNAL", message: "Internal error" } }, { status: 500, headers: { "x-request-id": requestId } });
}

/** An AppError whose answer carries Retry-After: a rate limit, or a queue too deep to take more. */
export class RetryLaterError extends AppError {
  constructor(
    code: "RATE_LIMITED" | "QUEUE_FULL" | "UNAVAILABLE",
    message: string,
    readonly retryAfterMs: number,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
  }
}

type THandler<C> = (req: Request, ctx: C & { requestId: string }) => Promise<Response>;

/** Wraps a route handler: request id, error mapping, a log line per failure, small JSON answers left uncompressed. */
export function route<C>(handler: THandler<C>): (req: Request, ctx: C) => Promise<Response> {
  return async (req, ctx) => {
    const requestId = req.headers.get("x-request-id") ?? randomUUID();
    try {
      return await uncompressedWhenSmall(await handler(req, { ...ctx, requestId }));
    } catch (err) {
      // The client hung up (a reload mid-upload): nothing to answer and nothing wrong on our side.
      if (req.signal.aborted) {
        logger().debug({ requestId }, "client went away");
        return new Response(null, { status: 499 });
      }
      return uncompressedWhenSmall(errorResponse(err, requestId));
    }
  };
}

/** Answers smaller than this are not worth compressing (the threshold of Next's compression). */
export const COMPRESS_FROM_BYTES = 1024;

/**
 * A JSON answer under COMPRESS_FROM_BYTES goes out uncompressed. Next drops a route's Content-Length,
 * so its response compression never sees that a body is under its threshold and gzips every answer as
 * a stream: for an agent's heartbeat (a few hundred bytes, 500 a second from 1,000 agents) that was
 * about 6 % of a replica's CPU for no gain. `Cache-Control: no-transform` is what the compression
 * (and any proxy) honours. Larger answers (job lists, results) are still compressed; files and
 * streams pass as they are.
 */
export async function uncompressedWhenSmall(res: Response): Promise<Response> {
  if (res.body === null || !res.headers.get("content-type")?.startsWith("application/json")) return res;
  const body = await res.arrayBuffer();
  const headers = new Headers(res.headers);
  const cacheControl = jsonCacheControl(body.byteLength, headers.get("cache-control"));
  if (cacheControl !== null) headers.set("cache-control", cacheControl);
  return new Response(body, { status: res.status, statusText: res.statusText, headers });
}

/** The Cache-Control of a JSON answer of `bytes`: `no-transform` added under COMPRESS_FROM_BYTES (the agent port applies it too). */
export function jsonCacheControl(bytes: number, given: string | null): string | null {
  if (bytes >= COMPRESS_FROM_BYTES) return given;
  return given ? `${given}, no-transform` : "no-transform";
}

/** A body that is not JSON: INVALID_INPUT like any other bad field. */
export function notJson(): AppError {
  return new AppError("INVALID_INPUT", "Body must be JSON");
}

/** The body parsed as JSON; INVALID_INPUT when it is not. */
export async function requestJson(req: Request): Promise<unknown> {
  try {
    return await req.json();
  } catch {
    throw notJson();
  }
}

/** Parses a JSON body with a zod schema. */
export async function jsonBody<T>(req: Request, schema: z.ZodType<T>): Promise<T> {
  return schema.parse(await requestJson(req));
}
