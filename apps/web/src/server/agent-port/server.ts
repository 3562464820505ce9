// The agent port: a plain node:http listener serving the agent protocol's routes (routes.ts) beside
// Next, on HEADROOM_AGENT_PORT. The fleet's requests are small and many (1,000 agents send 500
// heartbeats a second before any job), and around each one Next's server, its routing and the
// Request/Response objects it builds cost more CPU than the route itself: an idle heartbeat took
// 2.9–3.3 ms of a replica's CPU through Next and 1.0–1.2 ms through a bare listener calling the same
// handler (docs/scaling.md, "The agent port"). The JSON routes are the same actions Next's route
// files wrap (server/agent/call.ts), called without a WHATWG Request or Response; the job's file goes
// through its route's own handler. Errors are answered by http.ts, as on Next's port.
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { AppError } from "@headroom/protocol";
import type { TAgentCall } from "../agent/call";
import { errorResponse, jsonCacheControl, notJson, uncompressedWhenSmall } from "../http";
import { logger } from "../logger";
import { API_CSP, COMMON_SECURITY_HEADERS } from "../security/headers";
import { AGENT_ROUTES, routeMatcher, type TAgentRoute } from "./routes";

/** The largest agent request body: a completion carries a whole document's text and lines. */
export const MAX_AGENT_BODY_BYTES = 32 * 1024 * 1024;

/** What next.config.ts puts on every API answer. */
const API_HEADERS: Readonly<Record<string, string>> = { ...COMMON_SECURITY_HEADERS, "content-security-policy": API_CSP };

export type TAgentPortServer = http.Server & {
  /**
   * From now on every answer closes its connection, and the long-polls waiting now end ("nothing
   * yet", 204), so a draining replica closes in milliseconds rather than a long-poll's wait.
   */
  beginDrain(): void;
};

export function createAgentPortServer(routes: readonly TAgentRoute[] = AGENT_ROUTES): TAgentPortServer {
  const match = routeMatcher(routes);
  const longPolls = new Set<AbortController>();
  let draining = false;
  const server = http.createServer((req, res) => void serve(req, res)) as TAgentPortServer;
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
    const requestId = req.headers["x-request-id"]?.toString() ?? crypto.randomUUID();
    try {
      const url = new URL(req.url ?? "/", "http://agent-port");
      const found = match(req.method ?? "", url.pathname);
      if (found === null) {
        throw new AppError("NOT_FOUND", `No agent route at ${url.pathname}: this port serves the agent protocol (/api/agent/v1/…) only`);
      }
      if ("allowed" in found) {
        res.writeHead(405, { ...API_HEADERS, allow: found.allowed.join(", "), "content-length": "0" }).end();
        return;
      }
      const body = req.method === "GET" ? null : await readBody(req);
      const { route } = found;
      if (route.longPoll) longPolls.add(ac);
      try {
        if ("action" in route) {
          const answer = await route.action(callOf(req, body, found.params, ac.signal));
          if (draining) res.shouldKeepAlive = false;
          sendJson(res, answer);
        } else {
          const request = new Request(url, { method: req.method, headers: headersOf(req), body, signal: ac.signal });
          const response = await route.handler(request, { params: Promise.resolve(found.params) });
          if (draining) res.shouldKeepAlive = false;
          await send(res, response);
        }
      } finally {
        longPolls.delete(ac);
      }
    } catch (err) {
      if (ac.signal.aborted) return void res.destroy();
      if (res.headersSent) {
        logger().warn({ err, requestId }, "agent port: answer cut short");
        return void res.destroy();
      }
      // As route() answers on Next's port: small error bodies marked not to be compressed.
      await send(res, await uncompressedWhenSmall(errorResponse(err, requestId))).catch(() => res.destroy());
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

/** The whole body (agent bodies are small), refused past MAX_AGENT_BODY_BYTES without reading on. */
async function readBody(req: IncomingMessage): Promise<Buffer<ArrayBuffer>> {
  const tooLarge = () => new AppError("FILE_TOO_LARGE", `The request is over the limit of ${MAX_AGENT_BODY_BYTES} bytes`);
  if (Number(req.headers["content-length"] ?? 0) > MAX_AGENT_BODY_BYTES) throw tooLarge();
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > MAX_AGENT_BODY_BYTES) throw tooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, total);
}

/** Writes a route's answer: JSON whole with its length, anything else (a job's file) streamed. */
async function send(res: ServerResponse, response: Response): Promise<void> {
  const headers: Record<string, string> = { ...API_HEADERS };
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  if (response.body === null) {
    res.writeHead(response.status, headers).end();
    return;
  }
  if (headers["content-type"]?.startsWith("application/json")) {
    const body = Buffer.from(await response.arrayBuffer());
    headers["content-length"] = String(body.length);
    res.writeHead(response.status, headers).end(body);
    return;
  }
  res.writeHead(response.status, headers);
  await pipeline(Readable.fromWeb(response.body as import("node:stream/web").ReadableStream<Uint8Array>), res);
}
