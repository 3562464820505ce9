// The upload budget through the real POST /api/v1/jobs handler and a real Postgres: a body that does
// not fit waits without being read, gets 503 UNAVAILABLE past the wait, gets in when room is given
// back, and a declared body larger than the whole budget is refused at once.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { until, useTestDatabase } from "@headroom/db/testing";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateApiKey } from "../auth/secrets";
import { uploadBudget } from "./upload-budget";

const t = useTestDatabase();
const BUDGET = 1024 * 1024;
const WAIT_MS = 300;
let uploadDir = "";
let png: Buffer;
let POST: (req: Request, ctx: object) => Promise<Response>;

beforeAll(async () => {
  uploadDir = await mkdtemp(path.join(tmpdir(), "headroom-budget-"));
  Object.assign(process.env, {
    DATABASE_URL: t.url,
    HEADROOM_ENROLL_TOKEN: "budget-enrolment-token-0123456",
    HEADROOM_STORAGE: "fs",
    HEADROOM_UPLOAD_DIR: uploadDir,
    HEADROOM_UPLOAD_BUFFER_BYTES: String(BUDGET),
    HEADROOM_UPLOAD_QUEUE_WAIT_MS: String(WAIT_MS),
    LOG_LEVEL: "silent",
  });
  (globalThis as { headroomDb?: unknown }).headroomDb = t.db;
  png = await sharp({ create: { width: 48, height: 24, channels: 3, background: "#ffffff" } }).png().toBuffer();
  ({ POST } = (await import("../../app/api/v1/jobs/route")) as unknown as { POST: typeof POST });
});

afterAll(async () => {
  delete (globalThis as { headroomDb?: unknown }).headroomDb;
  await rm(uploadDir, { recursive: true, force: true });
});

async function apiKey(): Promise<string> {
  const { key, prefix, hash } = generateApiKey();
  await t.db.apiKey.create({ data: { name: "budget", prefix, keyHash: hash, role: "VIEWER" } });
  return key;
}

/** An upload whose body is pulled only as the server reads it: its first part's head, then nothing until `finish` or `cut`. */
function heldUpload(key: string, contentLength?: number) {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const state = { pulls: 0 };
  const body = new ReadableStream<Uint8Array>({
    start: (c) => void (controller = c),
    pull: (c) => {
      if (state.pulls++ === 0) c.enqueue(new TextEncoder().encode('--x\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\nContent-Type: image/png\r\n\r\n'));
    },
  }, { highWaterMark: 0 });
  const headers: Record<string, string> = { authorization: `Bearer ${key}`, "content-type": "multipart/form-data; boundary=x" };
  if (contentLength !== undefined) headers["content-length"] = String(contentLength);
  const res = POST(new Request("http://localhost:3000/api/v1/jobs", { method: "POST", headers, body, duplex: "half" } as RequestInit), {});
  return {
    res,
    state,
    finish: () => {
      controller.enqueue(Buffer.concat([png, Buffer.from("\r\n--x--\r\n")]));
      controller.close();
    },
    cut: () => controller.error(new Error("client gone")),
  };
}

const statusAndCode = async (r: Response) => ({ status: r.status, code: r.status >= 400 ? ((await r.json()) as { error: { code: string } }).error.code : null });

describe("the upload budget (HEADROOM_UPLOAD_BUFFER_BYTES, 1 MiB here)", () => {
  it("makes an upload that does not fit wait unread, answers 503 UNAVAILABLE with Retry-After past the wait, and frees the room of one that ends", async () => {
    // No Content-Length: it reserves the most a request may carry, here the whole budget.
    const first = heldUpload(await apiKey());
    await until("the first upload read", () => first.state.pulls > 0);
    expect(uploadBudget().inUse()).toBe(BUDGET);

    const second = heldUpload(await apiKey(), 2048);
    const refused = await second.res;
    expect(refused.status).toBe(503);
    expect(refused.headers.get("retry-after")).toBe("1");
    expect(await refused.json()).toMatchObject({ error: { code: "UNAVAILABLE", message: expect.stringMatching(/did not fit its 1\.0 MiB within 300 ms/) } });
    expect(second.state.pulls).toBe(0);

    // One that waits while the first finishes gets in, and the budget is empty once both have answered.
    const third = heldUpload(await apiKey(), 2048);
    first.finish();
    expect(await statusAndCode(await first.res)).toEqual({ status: 201, code: null });
    await until("the third upload read", () => third.state.pulls > 0);
    third.finish();
    expect((await third.res).status).toBe(201);
    expect(uploadBudget().inUse()).toBe(0);
  });

  it("gives the room back when the client goes away part way", async () => {
    const held = heldUpload(await apiKey());
    await until("the upload read", () => held.state.pulls > 0);
    held.cut();
    expect((await held.res).status).toBeGreaterThanOrEqual(400);
    expect(uploadBudget().inUse()).toBe(0);
  });

  it("refuses a declared body larger than the whole budget with 413 at once, reading none of it", async () => {
    const over = heldUpload(await apiKey(), BUDGET + 1);
    expect(await statusAndCode(await over.res)).toEqual({ status: 413, code: "FILE_TOO_LARGE" });
    expect(over.state.pulls).toBe(0);
    expect(uploadBudget().inUse()).toBe(0);
  });
});
