import { mkdtemp, readdir, rm, utimes, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { AppError } from "@headroom/protocol";
import { rejection } from "@/server/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FsUploadStore, STALE_TEMP_MS } from "./storage-fs";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "headroom-fs-store-"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe("FsUploadStore", () => {
  it("sweeps temp files a killed writer left, older than STALE_TEMP_MS, and keeps a young one", async () => {
    const d = await mkdtemp(path.join(os.tmpdir(), "headroom-fs-sweep-"));
    try {
      const old = path.join(d, ".0b7c3a9e-0000-4000-8000-000000000001.tmp");
      const young = path.join(d, ".0b7c3a9e-0000-4000-8000-000000000002.tmp");
      await writeFile(old, "half");
      await writeFile(young, "in progress");
      const past = (Date.now() - STALE_TEMP_MS - 60_000) / 1000;
      await utimes(old, past, past);
      const store = new FsUploadStore(d, 1_000_000);
      expect(await store.sweepStaleTemp()).toBe(1);
      expect(await readdir(d)).toEqual([path.basename(young)]);
    } finally {
      await rm(d, { recursive: true, force: true });
    }
  });

  it("stores, reads whole and as a stream, lists and removes", async () => {
    const store = new FsUploadStore(dir, 1_000_000);
    const bytes = Buffer.from("hello, storage");
    const key = await store.put(bytes);
    expect(await store.get(key)).toEqual(bytes);
    const file = await store.open(key);
    expect(file.sizeBytes).toBe(bytes.length);
    const parts: Buffer[] = [];
    for await (const p of file.body) parts.push(p as Buffer);
    expect(Buffer.concat(parts)).toEqual(bytes);
    const keys: string[] = [];
    for await (const k of store.keys()) keys.push(k);
    expect(keys).toContain(key);
    await store.remove(key);
    expect((await rejection(store.get(key), AppError)).code).toBe("NOT_FOUND");
  });

  it("refuses a stream past the limit and leaves no file, not even a temp file", async () => {
    const store = new FsUploadStore(dir, 10);
    const before = await readdir(dir);
    async function* big(): AsyncIterable<Uint8Array> {
      yield new Uint8Array(8);
      yield new Uint8Array(8);
    }
    const err = await rejection(store.put(big()), AppError);
    expect(err.code).toBe("FILE_TOO_LARGE");
    expect(await readdir(dir)).toEqual(before);
  });

  it("never follows a key that is not one of its own", async () => {
    const store = new FsUploadStore(dir);
    expect((await rejection(store.get("../../etc/passwd"), AppError)).code).toBe("INVALID_INPUT");
  });
});
