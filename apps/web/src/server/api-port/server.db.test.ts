// The API port over real HTTP against a real Postgres and a real upload directory: every case of the
// bad-input zoo gets the answer the handler gives in process and leaves everything as it was; a good
// upload is accepted with the API's headers; the port's own answers (404, 405); a body over the limit,
// a trickling client and a client that goes away, each refused or dropped without a trace and without
// spoiling the connection for the next request; and a drain that lets an upload in flight finish.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { useTestDatabase } from "@headroom/db/testing";
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { COMPRESS_FROM_BYTES } from "../http";
import { ZOO, ZOO_LIMITS } from "../jobs/bad-input-cases";
import { multipart, useZooServer } from "../jobs/bad-input-test-server";
import { MAX_FILES_PER_REQUEST } from "../jobs/parse-upload";
import { drainPort } from "../port/start";
import { createApiPortServer } from "./server";

const UPLOAD_TIMEOUT_MS = 1_000;
process.env.HEADROOM_UPLOAD_TIMEOUT_MS = String(UPLOAD_TIMEOUT_MS);
const t = useTestDatabase();
const zoo = useZooServer(() => t, { decodeTimeoutMs: 10_000, via: "api-port" });
const png = (w: number) => sharp({ create: { width: w, height: 20, channels: 3, background: "#fff" } }).png().toBuffer();
const BOUNDARY = "api-port-boundary-1";
const CONTENT_TYPE = `multipart/form-data; boundary=${BOUNDARY}`;

type TRawAnswer = { status: number; body: string; ms: number } | { error: string; ms: number };

/** One upload written by `write` over a raw request (so a body can be cut short, trickled or left open). */
function rawUpload(headers: Record<string, string>, write: (req: http.ClientRequest) => void, agent?: http.Agent): Promise<TRawAnswer> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    const req = http.request(`${zoo.base()}/api/v1/jobs`, { method: "POST", headers, agent }, (res) => {
      let body = "";
      res.on("data", (c) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode!, body, ms: Date.now() - t0 }));
    });
    req.on("error", (err) => resolve({ error: (err as NodeJS.ErrnoException).code ?? err.message, ms: Date.now() - t0 }));
    write(req);
  });
}

const codeOf = (a: TRawAnswer) => ("status" in a ? { status: a.status, code: (JSON.parse(a.body) as { error?: { code: string } }).error?.code } : a);

describe("the API port answers the bad-input zoo as the handler does", () => {
  it.each(ZOO.filter((c) => !c.timing && !c.custom).map((c) => [`${c.group}: ${c.kind}`, c] as const))("%s", async (_title, c) => {
    await zoo.expectRefused(c);
  });
});

describe("the API port", () => {
  it("accepts an upload with the API's headers, as Next's port does, and replays it by its idempotency key", async () => {
    const key = await zoo.apiKey();
    const body = multipart([{ field: "file", name: "page.png", type: "image/png", bytes: await png(60) }], BOUNDARY);
    const send = () => fetch(`${zoo.base()}/api/v1/jobs`, { method: "POST", headers: { authorization: `Bearer ${key}`, "content-type": CONTENT_TYPE, "idempotency-key": "port-once" }, body: new Uint8Array(body) });
    const first = await send();
    expect(first.status).toBe(201);
    expect(first.headers.get("content-security-policy")).toContain("default-src 'none'");
    expect(first.headers.get("x-content-type-options")).toBe("nosniff");
    expect(first.headers.get("cache-control")).toBe("no-transform");
    const { jobs } = (await first.json()) as { jobs: { id: string; status: string }[] };
    expect(jobs).toHaveLength(1);
    expect(await t.db.job.findUniqueOrThrow({ where: { id: jobs[0]!.id }, select: { fileName: true, status: true } })).toEqual({ fileName: "page.png", status: "QUEUED" });
    const again = await send();
    expect(again.status).toBe(200);
    expect(((await again.json()) as { jobs: { id: string }[] }).jobs.map((j) => j.id)).toEqual([jobs[0]!.id]);
  });

  it("serves the job list on the same path as the handler does, gzipped when the client accepts it", async () => {
    for (let i = 0; i < 4; i++) expect((await zoo.send({ parts: [{ field: "file", name: `list-${i}.png`, type: "image/png", bytes: await png(30 + i) }] })).status).toBe(201);
    const key = await zoo.apiKey();
    const { GET } = await import("@/app/api/v1/jobs/route");
    const inProcess = await GET(new Request("http://next.local/api/v1/jobs?pageSize=20&sort=created&dir=asc", { headers: { authorization: `Bearer ${key}` } }), undefined as never);
    const expected = await inProcess.json();
    expect(JSON.stringify(expected).length).toBeGreaterThan(COMPRESS_FROM_BYTES);
    for (const [encoding, compressed] of [["gzip, deflate, br", true], ["identity", false]] as const) {
      const res = await fetch(`${zoo.base()}/api/v1/jobs?pageSize=20&sort=created&dir=asc`, { headers: { authorization: `Bearer ${key}`, "accept-encoding": encoding } });
      expect(res.status).toBe(200);
      expect(res.headers.get("content-encoding")).toBe(compressed ? "gzip" : null);
      expect(await res.json()).toEqual(expected);
    }
    const bad = await fetch(`${zoo.base()}/api/v1/jobs?pageSize=0`, { headers: { authorization: `Bearer ${key}` } });
    expect({ status: bad.status, code: ((await bad.json()) as { error: { code: string } }).error.code }).toEqual({ status: 400, code: "INVALID_INPUT" });
  });

  it("answers 404 with where to go off /api/v1/jobs, and 405 with Allow for another method on it", async () => {
    const off = await fetch(`${zoo.base()}/api/v1/nodes`);
    expect(off.status).toBe(404);
    expect(((await off.json()) as { error: { code: string; message: string } }).error).toMatchObject({ code: "NOT_FOUND", message: expect.stringContaining("main port") });
    const put = await fetch(`${zoo.base()}/api/v1/jobs`, { method: "PUT" });
    expect(put.status).toBe(405);
    expect(put.headers.get("allow")).toBe("POST, GET");
  });

  it("refuses a body over the limit with 413 as it streams in, stores nothing, and the connection serves the next upload", async () => {
    const key = await zoo.apiKey();
    const before = await zoo.snapshot();
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const limit = ZOO_LIMITS.maxBytes * MAX_FILES_PER_REQUEST + 64 * 1024;
    const headers = { authorization: `Bearer ${key}`, "content-type": CONTENT_TYPE };
    const sockets = new Set<unknown>();
    agent.on("free", (socket) => sockets.add(socket));
    // No Content-Length: the body is sent chunked and counted as it comes, 1 MiB over the limit.
    const over = await rawUpload(headers, (req) => {
      req.write(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="big.png"\r\nContent-Type: image/png\r\n\r\n`);
      const mib = Buffer.alloc(1024 * 1024, 7);
      for (let sent = 0; sent <= limit; sent += mib.length) req.write(mib);
      req.end();
    }, agent);
    expect(codeOf(over)).toEqual({ status: 413, code: "FILE_TOO_LARGE" });
    const next = await rawUpload(headers, (req) => req.end(multipart([{ field: "file", name: "after.png", type: "image/png", bytes: Buffer.alloc(0) }], BOUNDARY)), agent);
    expect(codeOf(next)).toEqual({ status: 400, code: "EMPTY_FILE" });
    expect(sockets.size).toBe(1); // one connection carried both
    agent.destroy();
    expect(await zoo.snapshot()).toEqual(before);
  });

  it("refuses a body declared over the limit before reading it, and answers although the client never sends it", async () => {
    const key = await zoo.apiKey();
    const answer = await rawUpload({ authorization: `Bearer ${key}`, "content-type": CONTENT_TYPE, "content-length": String(1024 ** 3) }, (req) => req.write("--"));
    expect(codeOf(answer)).toEqual({ status: 413, code: "FILE_TOO_LARGE" });
  });

  it("cuts off a client that trickles its body with 408 at the upload time limit, and stores nothing", async () => {
    const key = await zoo.apiKey();
    const before = await zoo.snapshot();
    let timer: NodeJS.Timeout | undefined;
    const answer = await rawUpload({ authorization: `Bearer ${key}`, "content-type": CONTENT_TYPE }, (req) => {
      req.write(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="slow.png"\r\n\r\n`);
      timer = setInterval(() => req.write(Buffer.alloc(16, 1)), 100);
      req.on("close", () => clearInterval(timer));
    });
    clearInterval(timer);
    expect(codeOf(answer)).toEqual({ status: 408, code: "UPLOAD_TIMEOUT" });
    expect(answer.ms).toBeGreaterThanOrEqual(UPLOAD_TIMEOUT_MS - 50);
    expect(await zoo.snapshot()).toEqual(before);
  });

  it("drops an upload whose client goes away part way, and goes on serving", async () => {
    const key = await zoo.apiKey();
    const before = await zoo.snapshot();
    const bytes = await png(80);
    const body = multipart([{ field: "file", name: "gone.png", type: "image/png", bytes }], BOUNDARY);
    const gone = await rawUpload({ authorization: `Bearer ${key}`, "content-type": CONTENT_TYPE, "content-length": String(body.length) }, (req) => {
      req.write(body.subarray(0, body.length >> 1));
      setTimeout(() => req.destroy(), 200);
    });
    expect(gone).toMatchObject({ error: "ECONNRESET" });
    await new Promise((r) => setTimeout(r, 300));
    expect(await zoo.snapshot()).toEqual(before);
    const whole = await rawUpload({ authorization: `Bearer ${key}`, "content-type": CONTENT_TYPE }, (req) => req.end(body));
    expect(codeOf(whole)).toEqual({ status: 201, code: undefined });
  });
});

describe("draining the API port", () => {
  it("lets an upload in flight finish and be stored, refuses new connections, and resolves once closed", async () => {
    const own = createApiPortServer();
    await new Promise<void>((r) => own.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(own.address() as AddressInfo).port}/api/v1/jobs`;
    const key = await zoo.apiKey();
    const body = multipart([{ field: "file", name: "draining.png", type: "image/png", bytes: await png(70) }], BOUNDARY);
    const half = body.length >> 1;
    let drained: Promise<void> | undefined;
    const answer = await new Promise<{ status: number; body: string; connection: string | undefined }>((resolve, reject) => {
      const req = http.request(url, { method: "POST", headers: { authorization: `Bearer ${key}`, "content-type": CONTENT_TYPE, "content-length": String(body.length) } }, (res) => {
        let text = "";
        res.on("data", (c) => (text += c));
        res.on("end", () => resolve({ status: res.statusCode!, body: text, connection: res.headers.connection }));
      });
      req.on("error", reject);
      // Half the body, then the drain begins, then the rest.
      req.write(body.subarray(0, half), () => {
        setTimeout(() => {
          drained = drainPort(own, 5_000);
          setTimeout(() => req.end(body.subarray(half)), 200);
        }, 100);
      });
    });
    expect(answer.status).toBe(201);
    expect(answer.connection).toBe("close");
    const id = (JSON.parse(answer.body) as { jobs: { id: string }[] }).jobs[0]!.id;
    expect(await t.db.job.findUniqueOrThrow({ where: { id }, select: { fileName: true } })).toEqual({ fileName: "draining.png" });
    const late = await fetch(url, { method: "POST" }).then((r) => `answered ${r.status}`, (e: Error) => `refused: ${(e.cause as { code?: string } | undefined)?.code}`);
    expect(late).toBe("refused: ECONNREFUSED");
    await drained;
    expect(own.listening).toBe(false);
  });
});
