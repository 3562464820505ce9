// The upload budget through the real POST /api/v1/jobs handler and a real Postgres: a body that does
// not fit waits without being read, gets 503 UNAVAILABLE past the wait, gets in when room is given
// back, and a declared body larger than the whole budget is refused at once.
import { until, useTestDatabase } from "@headroom/db/testing";
import { describe, expect, it } from "vitest";
import { uploadBudget } from "./upload-budget";
import { useUploadRoute } from "./upload-route.fixture";

const t = useTestDatabase();
const BUDGET = 1024 * 1024;
const WAIT_MS = 300;
const route = useUploadRoute(t, { HEADROOM_UPLOAD_BUFFER_BYTES: String(BUDGET), HEADROOM_UPLOAD_QUEUE_WAIT_MS: String(WAIT_MS) });
const apiKey = () => route.apiKey();

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
  const res = route.POST(new Request("http://localhost:3000/api/v1/jobs", { method: "POST", headers, body, duplex: "half" } as RequestInit));
  return {
    res,
    state,
    finish: () => {
      controller.enqueue(Buffer.concat([route.png(), Buffer.from("\r\n--x--\r\n")]));
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
