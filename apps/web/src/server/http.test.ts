import { AppError } from "@headroom/protocol";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { COMPRESS_FROM_BYTES, errorResponse, route, uncompressedWhenSmall } from "./http";

// errorResponse logs through the app's logger, which reads the parsed env; none of it is used here.
beforeAll(() => {
  vi.stubEnv("DATABASE_URL", "postgresql://unused@127.0.0.1:1/unused");
  vi.stubEnv("HEADROOM_ENROLL_TOKEN", "unused-enroll-token-0000");
  vi.stubEnv("LOG_LEVEL", "silent");
});

function fsError(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: no space left on device, write`), { code });
}

describe("errorResponse", () => {
  it.each(["ENOSPC", "EDQUOT"])("a full upload store (%s) is 507 INSUFFICIENT_STORAGE, not a bare 500", async (code) => {
    const res = errorResponse(fsError(code), "r1");
    expect(res.status).toBe(507);
    expect(await res.json()).toEqual({ error: { code: "INSUFFICIENT_STORAGE", message: expect.stringContaining("full") } });
  });

  it("keeps an AppError's own code and status", async () => {
    const res = errorResponse(new AppError("UPLOAD_TIMEOUT", "slow"), "r2");
    expect(res.status).toBe(408);
    expect(await res.json()).toEqual({ error: { code: "UPLOAD_TIMEOUT", message: "slow" } });
  });

  it("a database that cannot be reached is 503 UNAVAILABLE with Retry-After, not a 500 (agents and clients try again)", async () => {
    const prismaLike = Object.assign(new Error("Can't reach database server at 127.0.0.1:5432"), { code: "P1001" });
    const res = errorResponse(prismaLike, "r4");
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("2");
    expect(await res.json()).toEqual({ error: { code: "UNAVAILABLE", message: expect.stringContaining("database") } });
  });

  it("any other failure is 500 INTERNAL without its details", async () => {
    const res = errorResponse(fsError("EACCES"), "r3");
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ error: { code: "INTERNAL", message: "Internal error" } });
  });
});

describe("uncompressedWhenSmall", () => {
  it("marks a JSON answer under 1 KiB no-transform (so Next's compression leaves it), keeping status, headers and body", async () => {
    const res = await uncompressedWhenSmall(Response.json({ text: "naïve" }, { status: 201, headers: { "x-request-id": "r5" } }));
    expect(res.status).toBe(201);
    expect(res.headers.get("cache-control")).toBe("no-transform");
    expect(res.headers.get("x-request-id")).toBe("r5");
    expect(await res.json()).toEqual({ text: "naïve" });
    const noStore = await uncompressedWhenSmall(Response.json({}, { headers: { "cache-control": "no-store" } }));
    expect(noStore.headers.get("cache-control")).toBe("no-store, no-transform");
  });

  it("leaves a JSON answer of 1 KiB or more to be compressed", async () => {
    const big = { text: "x".repeat(COMPRESS_FROM_BYTES) };
    const res = await uncompressedWhenSmall(Response.json(big));
    expect(res.headers.get("cache-control")).toBeNull();
    expect(await res.json()).toEqual(big);
  });

  it("leaves files, streams and empty answers as they are", async () => {
    const stream = new ReadableStream({ start: (c) => (c.enqueue(new Uint8Array([1, 2])), c.close()) });
    const file = new Response(stream, { headers: { "content-type": "image/png" } });
    expect(await uncompressedWhenSmall(file)).toBe(file);
    const empty = new Response(null, { status: 204 });
    expect(await uncompressedWhenSmall(empty)).toBe(empty);
  });

  it("is applied by route() to answers and to errors alike", async () => {
    const ok = await route(async () => Response.json({ ok: true }))(new Request("http://x/"), {});
    expect(ok.headers.get("cache-control")).toBe("no-transform");
    const failed = await route(async () => {
      throw new AppError("NOT_FOUND", "no such job");
    })(new Request("http://x/"), {});
    expect(failed.status).toBe(404);
    expect(failed.headers.get("cache-control")).toBe("no-transform");
  });
});
