// Bad input over real HTTP: a 4xx with {error:{code,message}}, no job and no stored file, and the
// service keeps working for the next good request.
import { readdirSync } from "node:fs";
import sharp from "sharp";
import { expect, test } from "../fixtures/index.ts";
import { renderLine } from "../fixtures/render.ts";
import { E2E } from "../fixtures/stack.ts";

const storedFiles = () => readdirSync(E2E.uploadDir).filter((f) => !f.startsWith(".")).length;
const png = (w: number, h: number) => sharp({ create: { width: w, height: h, channels: 3, background: "#fff" } }).png({ compressionLevel: 9 }).toBuffer();

const cases: [string, () => Promise<Buffer>, number, string][] = [
  ["a non-image body", async () => Buffer.from("plain text pretending to be a picture"), 415, "UNSUPPORTED_MEDIA_TYPE"],
  ["a truncated image", async () => (await renderLine("cut short")).subarray(0, 300), 400, "INVALID_INPUT"],
  ["a zero-byte file", async () => Buffer.alloc(0), 400, "EMPTY_FILE"],
  ["a file over the size limit", async () => Buffer.concat([await renderLine("big"), Buffer.alloc(E2E.maxUploadBytes)]), 413, "FILE_TOO_LARGE"],
  ["an image over the pixel limit", () => png(6_000, 6_000), 413, "TOO_MANY_PIXELS"],
];

for (const [name, make, status, code] of cases) {
  test(`${name} gets ${status} ${code} and leaves nothing behind`, async ({ api }) => {
    const jobsBefore = ((await (await api.get("/api/v1/jobs?pageSize=1")).json()) as { total: number }).total;
    const filesBefore = storedFiles();
    const res = await api.post("/api/v1/jobs", { multipart: { file: { name: "bad.png", mimeType: "image/png", buffer: await make() } } });
    expect(res.status()).toBe(status);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe(code);
    expect(body.error.message.length).toBeGreaterThan(5);
    expect(((await (await api.get("/api/v1/jobs?pageSize=1")).json()) as { total: number }).total).toBe(jobsBefore);
    expect(storedFiles()).toBe(filesBefore);
  });
}

test("a missing or wrong API key gets 401 and creates nothing", async ({ playwright, api }) => {
  const jobsBefore = ((await (await api.get("/api/v1/jobs?pageSize=1")).json()) as { total: number }).total;
  const file = { name: "ok.png", mimeType: "image/png", buffer: await renderLine("no key") };
  const attempts: Record<string, string>[] = [{}, { authorization: "Bearer hr_wrong_key_000000000000000000" }, { authorization: "Basic abc" }];
  for (const headers of attempts) {
    const anon = await playwright.request.newContext({ baseURL: E2E.baseURL, extraHTTPHeaders: headers });
    const res = await anon.post("/api/v1/jobs", { multipart: { file } });
    expect(res.status()).toBe(401);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("UNAUTHENTICATED");
    expect((await anon.get("/api/v1/jobs/00000000-0000-0000-0000-000000000000")).status()).toBe(401);
    await anon.dispose();
  }
  expect(((await (await api.get("/api/v1/jobs?pageSize=1")).json()) as { total: number }).total).toBe(jobsBefore);
});

test("a body that is not multipart gets 400, and an unknown job 404", async ({ api }) => {
  const res = await api.post("/api/v1/jobs", { data: { file: "nope" } });
  expect(res.status()).toBe(400);
  expect(((await res.json()) as { error: { code: string } }).error.code).toBe("INVALID_INPUT");
  const missing = await api.get("/api/v1/jobs/00000000-0000-0000-0000-000000000000");
  expect(missing.status()).toBe(404);
  expect(((await missing.json()) as { error: { code: string } }).error.code).toBe("NOT_FOUND");
});
