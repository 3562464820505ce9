// No S3 server is reachable from CI, so this checks what can be checked offline: a store that cannot
// reach its bucket fails loudly (never a key for bytes that went nowhere), the upload limit holds
// before anything is sent, and keys are checked before any request. Against a real bucket the store
// is exercised by `storage:copy` (README, "Moving uploads between stores").
import http from "node:http";
import type { AddressInfo } from "node:net";
import { S3Client } from "@aws-sdk/client-s3";
import { AppError } from "@headroom/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rejection } from "@/server/test-support";
import { S3UploadStore } from "./storage-s3";

/** A server that answers every request 503 and counts them: an S3 endpoint that is down. */
let requests = 0;
const down = http.createServer((_req, res) => {
  requests++;
  res.writeHead(503, { "content-type": "application/xml" }).end("<Error><Code>ServiceUnavailable</Code><Message>down</Message></Error>");
});
let store: (maxBytes?: number) => S3UploadStore;
beforeAll(async () => {
  await new Promise<void>((r) => down.listen(0, "127.0.0.1", r));
  const endpoint = `http://127.0.0.1:${(down.address() as AddressInfo).port}`;
  const client = new S3Client({ region: "us-east-1", endpoint, forcePathStyle: true, maxAttempts: 1, credentials: { accessKeyId: "test", secretAccessKey: "test" } });
  store = (maxBytes) => new S3UploadStore({ bucket: "headroom", prefix: "uploads/", region: "us-east-1", endpoint, forcePathStyle: true }, maxBytes, client);
});
afterAll(() => new Promise<void>((r) => down.close(() => r())));

describe("S3UploadStore with its endpoint down", () => {
  it("put rejects, having tried the bucket", async () => {
    const before = requests;
    const err = await store().put(Buffer.from("hello")).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(AppError);
    expect(requests).toBeGreaterThan(before);
  });

  it("open and keys reject rather than report a missing file or an empty bucket", async () => {
    const open = await store().open("3f2b8c1e-5d7a-4e9b-8c2d-1a2b3c4d5e6f").catch((e: unknown) => e);
    expect(open).toBeInstanceOf(Error);
    expect(open).not.toBeInstanceOf(AppError);
    const listing = await (async () => {
      for await (const _k of store().keys());
    })().catch((e: unknown) => e);
    expect(listing).toBeInstanceOf(Error);
  });

  it("refuses past the upload limit before sending a byte", async () => {
    const before = requests;
    const err = await rejection(store(10).put(Buffer.alloc(11)), AppError);
    expect(err.code).toBe("FILE_TOO_LARGE");
    expect(requests).toBe(before);
  });

  it("checks keys before any request", async () => {
    const before = requests;
    expect((await rejection(store().open("../other-bucket/x"), AppError)).code).toBe("INVALID_INPUT");
    expect(requests).toBe(before);
  });
});
