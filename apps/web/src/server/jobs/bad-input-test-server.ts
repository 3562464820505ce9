// The server side of the bad-input tests: the real POST /api/v1/jobs handler over a real Postgres
// (the file's test database) and a real upload directory, configured through the environment the
// way the app is, plus what each test checks before and after: the stored files, and two unrelated
// jobs (one queued, one running on a node) that no bad request may touch. With `via: "api-port"` the
// requests go over HTTP to the API port (server/api-port) serving the same handler.
import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import path from "node:path";
import type { PrismaClient } from "@headroom/db";
import { afterAll, beforeAll, expect } from "vitest";
import { ZOO_LIMITS, type TZooCase, type TZooRequest } from "./bad-input-cases";
import { useUploadRoute } from "./upload-route.fixture";

type THandler = (req: Request, ctx: unknown) => Promise<Response>;
export type TZooAnswer = { status: number; body: { error?: { code: string; message: string }; jobs?: { id: string; status: string }[] } };

/** Frames parts as multipart/form-data by hand, so that names reach the server byte for byte. */
export function multipart(parts: { field: string; name?: string; type?: string; bytes: Buffer }[], boundary = "zoo-boundary-7f3a"): Buffer {
  const chunks: Buffer[] = [];
  for (const p of parts) {
    const disposition = `form-data; name="${p.field}"${p.name === undefined ? "" : `; filename="${p.name}"`}`;
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: ${disposition}\r\n${p.type ? `Content-Type: ${p.type}\r\n` : ""}\r\n`, "utf8"), p.bytes, Buffer.from("\r\n"));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return Buffer.concat(chunks);
}

export function useZooServer(db: () => { db: PrismaClient; url: string }, opts: { decodeTimeoutMs: number; maxPixels?: number; imageCheck?: "decode" | "header"; via?: "handler" | "api-port" }) {
  const route = useUploadRoute(db(), {
    HEADROOM_ENROLL_TOKEN: "zoo-enroll-token-0123456789",
    HEADROOM_MAX_UPLOAD_BYTES: String(ZOO_LIMITS.maxBytes),
    HEADROOM_MAX_PIXELS: String(opts.maxPixels ?? ZOO_LIMITS.maxPixels),
    HEADROOM_MAX_PAGES: String(ZOO_LIMITS.maxPages),
    HEADROOM_DECODE_TIMEOUT_MS: String(opts.decodeTimeoutMs),
    HEADROOM_UPLOAD_CHECK: opts.imageCheck ?? "decode",
  });
  const dir = route.dir;
  const apiKey = route.apiKey;
  let port: import("../port/server").TPortServer | null = null;
  let base = "";
  let bystanders: string[] = [];

  beforeAll(async () => {
    if (opts.via === "api-port") {
      port = (await import("../api-port/server")).createApiPortServer();
      await new Promise<void>((r) => port!.listen(0, "127.0.0.1", r));
      base = `http://127.0.0.1:${(port.address() as AddressInfo).port}`;
    }
    bystanders = await makeBystanders();
  });
  afterAll(async () => {
    if (port) {
      port.closeAllConnections();
      await new Promise((r) => port!.close(r));
    }
  });

  /** One zoo case: its status, code and message (led by the file's name where it has one), and nothing stored or touched. */
  async function expectRefused(c: TZooCase): Promise<void> {
    const request = await c.request();
    const before = await snapshot();
    const answer = await send(request);
    expect({ status: answer.status, code: answer.body.error?.code }).toEqual({ status: c.status, code: c.code });
    expect(answer.body.error!.message).toMatch(c.message);
    if ("parts" in request && request.parts.length === 1 && request.parts[0]!.name && c.group !== "Names") {
      expect(answer.body.error!.message.startsWith(`${request.parts[0]!.name}: `)).toBe(true);
    }
    expect(await snapshot()).toEqual(before);
  }

  /** Sends one request with a fresh API key (so no per-key limit of another test is in the way). */
  async function send(request: TZooRequest): Promise<TZooAnswer> {
    const key = await apiKey();
    const boundary = "zoo-boundary-7f3a";
    const [body, type] = "raw" in request ? [request.raw, request.contentType] : [multipart(request.parts, boundary), `multipart/form-data; boundary=${boundary}`];
    const headers: Record<string, string> = { authorization: `Bearer ${key}`, "content-type": type };
    if ("parts" in request && request.idempotencyKey) headers["idempotency-key"] = request.idempotencyKey;
    const init = { method: "POST", headers, body: new Uint8Array(body) };
    const res = port ? await fetch(`${base}/api/v1/jobs`, init) : await route.POST(new Request("http://zoo.test/api/v1/jobs", init));
    return { status: res.status, body: (await res.json()) as TZooAnswer["body"] };
  }

  async function makeBystanders(): Promise<string[]> {
    const sharp = (await import("sharp")).default;
    const png = await sharp({ create: { width: 80, height: 30, channels: 3, background: "#eee" } }).png().toBuffer();
    const ids: string[] = [];
    for (const name of ["queued.png", "running.png"]) {
      const r = await send({ parts: [{ field: "file", name, type: "image/png", bytes: png }] });
      if (r.status !== 201 || !r.body.jobs) throw new Error(`bystander job not created: ${JSON.stringify(r.body)}`);
      ids.push(r.body.jobs[0]!.id);
    }
    // The second one is in flight: placed on a node and leased.
    const node = await db().db.node.create({ data: { name: "zoo-node", hostname: "zoo", kind: "CPU", tokenHash: `zoo-${ids[1]}` }, select: { id: true } });
    await db().db.job.update({ where: { id: ids[1]! }, data: { status: "RUNNING", nodeId: node.id, attempt: 1, startedAt: new Date(), leaseExpiresAt: new Date(Date.now() + 3_600_000) } });
    return ids;
  }

  /** Everything a bad request must leave alone: the stored files (and their bytes) and the bystander jobs with their events. */
  async function snapshot() {
    const names = (await readdir(dir())).sort();
    const files = await Promise.all(names.map(async (n) => [n, createHash("sha256").update(await readFile(path.join(dir(), n))).digest("hex")] as const));
    const jobs = await db().db.job.findMany({ where: { id: { in: bystanders } }, orderBy: { fileName: "asc" }, include: { events: { orderBy: { id: "asc" } } } });
    return { files, jobs, jobCount: await db().db.job.count() };
  }

  return { send, snapshot, apiKey, expectRefused, dir, bystanders: () => bystanders, base: () => base };
}
