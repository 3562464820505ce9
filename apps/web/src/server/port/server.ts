// A bare port: a plain node:http listener beside Next serving a fixed table of the app's routes
// (routes.ts). The agent port (HEADROOM_AGENT_PORT) and the API port (HEADROOM_API_PORT) are two of
// them. Their requests are small and many, and around each one Next's server, its routing and the
// Request/Response objects it builds cost more CPU than the route itself: an idle heartbeat took
// 2.9–3.3 ms of a replica's CPU through Next and 1.0–1.2 ms through a bare listener calling the same
// handler (docs/scaling.md, "The agent port"). Agent actions are called without a WHATWG Request or
// Response; route handlers (a job's file, an upload) get a Request as Next would build it, with the
// body streamed so that the handler's own limits apply. Errors are answered by http.ts, as on Next's port.
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { promisify } from "node:util";
import { gzip } from "node:zlib";
import { AppError } from "@headroom/protocol";
import type { TAgentCall } from "../agent/call";
import { COMPRESS_FROM_BYTES, errorResponse, jsonCacheControl, notJson, uncompressedWhenSmall } from "../http";
import { logger } from "../logger";
import { API_CSP, COMMON_SECURITY_HEADERS } from "../security/headers";
import { routeMatcher, type TPortRoute } from "./routes";

/** What next.config.ts puts on every API answer. */
const API_HEADERS: Readonly<Record<string, string>> = { ...COMMON_SECURITY_HEADERS, "content-security-policy": API_CSP };

/**
 * After an answer given before its request's body was read to the end (a refusal), the rest of the
 * body is read and dropped, so that the client gets the answer rather than a reset and the connection
 * stays usable; past this many bytes, or this long, the connection is closed instead.
 */
export const DISCARD_AFTER_ANSWER = { bytes: 8 * 1024 * 1024, ms: 5_000 };

export type TPortOptions = {
  routes: readonly TPortRoute[];
  /** What this port serves, for its 404: "the agent protocol (/api/agent/v1/…)". */
  serves: string;
  /** The largest body an action reads; route handlers apply their own limits to the streamed body. */
  maxActionBodyBytes: number;
  /**
   * JSON answers from COMPRESS_FROM_BYTES up are gzipped for clients that accept it, as Next's port
   * does (a page of the job list). Off for agents: a claim carrying its file would cost a replica
   * more to compress than it saves on the fleet's own network.
   */
  compress?: boolean;
};

export type TPortServer = http.Server & {
  /**
   * From now on every answer closes its connection, and the long-polls waiting now end ("nothing
   * yet", 204), so a draining replica closes in milliseconds rather than a long-poll's wait.
   */
  beginDrain(): void;
};

export function createPortServer(o: TPortOptions): TPortServer {
  const match = routeMatcher(o.routes);
  const longPolls = new Set<AbortController>();
  let draining = false;
  const server = http.createServer((req, res) => void serve(req, res)) as TPortServer;
  server.beginDrain = () => {
    draining = true;
    for (const ac of longPolls) ac.abort();
  };

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (draining) res.shouldKeepAlive = false;
    const ac = new AbortController();
    res.once("close", () => {
      if (!res.writableFinished) ac.abort();
    });
    res.once("finish", () => discardRest(req));
    const requestId = req.headers["x-request-id"]?.toString() ?? crypto.randomUUID();
    try {
      const url = new URL(req.url ?? "/", "http://bare-port");
      const found = match(req.method ?? "", url.pathname);
      if (found === null) throw new AppError("NOT_FOUND", `Nothing at ${url.pathname}: this port serves ${o.serves} only`);
      if ("allowed" in found) {
        res.writeHead(405, { ...API_HEADERS, allow: found.allowed.join(", "), "content-length": "0" }).end();
        return;
      }
      const { route } = found;
      const bodyless = req.method === "GET" || req.method === "HEAD";
      if (route.longPoll) longPolls.add(ac);
      try {
        if ("action" in route) {
          const body = bodyless ? null : await readBody(req, o.maxActionBodyBytes);
          const answer = await route.action(callOf(req, body, found.params, ac.signal));
          if (draining) res.shouldKeepAlive = false;
          sendJson(res, answer);
        } else {
          const body = bodyless ? null : bodyStream(req);
          const request = new Request(url, { method: req.method, headers: headersOf(req), body, signal: ac.signal, ...(body && { duplex: "half" }) } as RequestInit);
          const response = await route.handler(request, { params: Promise.resolve(found.params) });
          if (draining) res.shouldKeepAlive = false;
          await send(res, response, o.compress === true && acceptsGzip(req.headers["accept-encoding"]));
        }
      } finally {
        longPolls.delete(ac);
      }
    } catch (err) {
      if (ac.signal.aborted) return void res.destroy();
      if (res.headersSent) {
        logger().warn({ err, requestId }, "bare port: answer cut short");
        return void res.destroy();
      }
      // As route() answers on Next's port: small error bodies marked not to be compressed.
      await send(res, await uncompressedWhenSmall(errorResponse(err, requestId)), false).catch(() => res.destroy());
    }
  }
  return server;
}

const utf8 = new TextDecoder(); // drops a byte-order mark, as Request.json() does

/** An agent action's view of the request, without building a WHATWG Request. */
function callOf(req: IncomingMessage, body: Buffer | null, params: { id: string }, signal: AbortSignal): TAgentCall {
  return {
    header: (name) => {
      const v = req.headers[name];
      return v === undefined ? null : Array.isArray(v) ? v.join(", ") : v;
    },
    json: async () => {
      try {
        return JSON.parse(utf8.decode(body ?? Buffer.alloc(0))) as unknown;
      } catch {
        throw notJson();
      }
    },
    params,
    signal,
  };
}

/** An action's answer as Next's route would send it (http.ts: small JSON marked not to be compressed); null is 204. */
function sendJson(res: ServerResponse, answer: object | null): void {
  if (answer === null) return void res.writeHead(204, API_HEADERS).end();
  const body = Buffer.from(JSON.stringify(answer));
  const headers: Record<string, string> = { ...API_HEADERS, "content-type": "application/json", "content-length": String(body.length) };
  const cacheControl = jsonCacheControl(body.length, null);
  if (cacheControl !== null) headers["cache-control"] = cacheControl;
  res.writeHead(200, headers).end(body);
}

function headersOf(req: IncomingMessage): Headers {
  const headers = new Headers();
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) headers.append(raw[i]!, raw[i + 1]!);
  return headers;
}

/** The whole body (action bodies are small), refused past `limit` without reading on. */
async function readBody(req: IncomingMessage, limit: number): Promise<Buffer<ArrayBuffer>> {
  const tooLarge = () => new AppError("FILE_TOO_LARGE", `The request is over the limit of ${limit} bytes`);
  if (Number(req.headers["content-length"] ?? 0) > limit) throw tooLarge();
  const chunks: Buffer[] = [];
  let total = 0;
  for (;;) {
    const chunk = await nextChunk(req);
    if (chunk === null) break;
    total += chunk.length;
    if (total > limit) throw tooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, total);
}

/**
 * The request's body as a WHATWG stream, read as the handler pulls it. Cancelling it (a handler that
 * refuses the body part way) only stops reading: destroying the request would reset the connection
 * before the refusal reached the client. What is left is dropped once the answer is out (discardRest).
 */
function bodyStream(req: IncomingMessage): ReadableStream<Uint8Array> {
  let cancelled = false;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const chunk = await nextChunk(req);
      if (cancelled) return; // the chunk came after the handler gave up on the body: dropped with the rest
      if (chunk === null) controller.close();
      else controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    },
    cancel() {
      cancelled = true;
    },
  }, { highWaterMark: 0 });
}

/** The request's next chunk, or null at its end; a request that ends short (the client went away) fails. */
function nextChunk(req: IncomingMessage): Promise<Buffer | null> {
  const ready = req.read() as Buffer | null;
  if (ready !== null) return Promise.resolve(ready);
  if (req.readableEnded || req.complete) return Promise.resolve(null);
  return new Promise((resolve, reject) => {
    const done = () => {
      req.off("readable", onReadable);
      req.off("end", onEnd);
      req.off("error", onError);
      req.off("close", onClose);
    };
    const onReadable = () => {
      const chunk = req.read() as Buffer | null;
      if (chunk === null) return;
      done();
      resolve(chunk);
    };
    const onEnd = () => {
      done();
      resolve(null);
    };
    const onError = (err: Error) => {
      done();
      reject(err);
    };
    const onClose = () => {
      done();
      if (req.complete) resolve(null);
      else reject(new AppError("INVALID_INPUT", "The client closed the connection before sending the whole body"));
    };
    req.on("readable", onReadable);
    req.on("end", onEnd);
    req.on("error", onError);
    req.on("close", onClose);
  });
}

/**
 * Once the answer is out: a body not read to its end (refused early) is read on and dropped, within
 * DISCARD_AFTER_ANSWER, after which the connection is closed (a trickling client is not waited on).
 */
function discardRest(req: IncomingMessage): void {
  if (req.complete || req.destroyed) return;
  let dropped = 0;
  const close = () => req.socket.destroy();
  const timer = setTimeout(close, DISCARD_AFTER_ANSWER.ms).unref();
  req.once("end", () => clearTimeout(timer));
  req.on("data", (chunk: Buffer) => {
    dropped += chunk.length;
    if (dropped > DISCARD_AFTER_ANSWER.bytes) close();
  });
  req.resume();
}

const gzipped = promisify(gzip);

/** Whether an Accept-Encoding header takes gzip (and does not refuse it with q=0). */
export function acceptsGzip(header: string | undefined): boolean {
  return (header ?? "").split(",").some((part) => {
    const [coding, ...params] = part.trim().toLowerCase().split(";");
    if (coding !== "gzip" && coding !== "*") return false;
    const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
    return q === undefined || Number(q) > 0;
  });
}

/** Writes a route's answer: JSON whole with its length (gzipped when asked and worth it), anything else (a job's file) streamed. */
async function send(res: ServerResponse, response: Response, gzipOk: boolean): Promise<void> {
  const headers: Record<string, string> = { ...API_HEADERS };
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  if (response.body === null) {
    res.writeHead(response.status, headers).end();
    return;
  }
  if (headers["content-type"]?.startsWith("application/json")) {
    let body = Buffer.from(await response.arrayBuffer());
    if (gzipOk && body.length >= COMPRESS_FROM_BYTES && !headers["cache-control"]?.includes("no-transform")) {
      body = await gzipped(body);
      headers["content-encoding"] = "gzip";
      headers.vary = "Accept-Encoding";
    }
    headers["content-length"] = String(body.length);
    res.writeHead(response.status, headers).end(body);
    return;
  }
  res.writeHead(response.status, headers);
  await pipeline(Readable.fromWeb(response.body as import("node:stream/web").ReadableStream<Uint8Array>), res);
}
