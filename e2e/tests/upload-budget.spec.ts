// A replica's upload budget (HEADROOM_UPLOAD_BUFFER_BYTES) over real HTTP through Next's port, the
// one `npm start` serves uploads on: a held upload fills it, the next one waits unread and is told to
// come back, and the room is given back when the held client goes away.
import http from "node:http";
import { expect, test } from "../fixtures/index.ts";
import { renderLine } from "../fixtures/render.ts";
import { E2E } from "../fixtures/stack.ts";

test("through Next's port, an upload that finds the replica's upload budget full waits unread, gets 503 UNAVAILABLE with Retry-After, and goes through once the room is given back", async ({ api }) => {
  // A client that declares the whole budget and sends only the start of its body: the replica
  // reserves the budget for it and reads no more than it is sent (the body is not buffered ahead).
  const held = http.request(`${E2E.baseURL}/api/v1/jobs`, { method: "POST", headers: { authorization: `Bearer ${E2E.apiKey}`, "content-type": "multipart/form-data; boundary=held", "content-length": String(E2E.uploadBufferBytes) } });
  held.on("error", () => {}); // it is cut below
  held.write('--held\r\nContent-Disposition: form-data; name="file"; filename="held.png"\r\nContent-Type: image/png\r\n\r\n');
  const file = { name: "small.png", mimeType: "image/png", buffer: await renderLine("after the budget") };
  let refused: { status: number; retryAfter: string | null; body: { error?: { code: string; message: string } } } | null = null;
  await expect
    .poll(async () => {
      const res = await api.post("/api/v1/jobs", { multipart: { file } });
      refused = { status: res.status(), retryAfter: res.headers()["retry-after"] ?? null, body: (await res.json()) as never };
      return refused.status;
    }, { message: "the held upload should take the whole budget" })
    .toBe(503);
  expect(refused!.retryAfter).toBe("1");
  expect(refused!.body.error).toMatchObject({ code: "UNAVAILABLE", message: expect.stringMatching(/did not fit its 8\.0 MiB within 1000 ms/) });

  held.destroy(); // the client goes away: its room is given back
  await expect.poll(async () => (await api.post("/api/v1/jobs", { multipart: { file } })).status()).toBe(201);
});
