// The claim's inline file against a real disk store: small files ride the answer whole; anything
// else (too big, switched off, gone, not the job's size) is left to the agent's GET.
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { TClaimedJob } from "@headroom/scheduler";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UploadStore } from "../jobs/storage";
import { claimFile } from "./claim-file";

let dir: string;
let store: UploadStore;
const warnings: string[] = [];
const log = pino({ level: "warn" }, { write: (line: string) => void warnings.push(line) });
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "claim-file-"));
  store = new UploadStore(dir);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const job = (storageKey: string, sizeBytes: number): TClaimedJob => ({ id: "j1", attempt: 1, fileName: "a.png", mimeType: "image/png", sizeBytes, pages: 1, batchId: null, storageKey, leaseExpiresAt: new Date() });

describe("claimFile", () => {
  it("puts a file of at most maxBytes in the answer, base64", async () => {
    const bytes = Buffer.from(Array.from({ length: 1000 }, (_, i) => i % 256));
    const key = await store.put(bytes);
    expect(await claimFile(store, 1000, log)(job(key, 1000))).toBe(bytes.toString("base64"));
  });

  it("leaves a larger file, or every file with maxBytes 0, to the agent's GET", async () => {
    const key = await store.put(Buffer.alloc(1001, 7));
    expect(await claimFile(store, 1000, log)(job(key, 1001))).toBeUndefined();
    expect(await claimFile(store, 0, log)(job(key, 1001))).toBeUndefined();
  });

  it("a store that fails does not fail the claim: the agent GETs the file, and the failure is logged", async () => {
    warnings.length = 0;
    expect(await claimFile(store, 1000, log)(job("00000000-0000-4000-8000-000000000000", 10))).toBeUndefined();
    expect(warnings.join("")).toContain("could not read the job's file");
  });

  it("bytes that are not the job's size are not sent", async () => {
    const key = await store.put(Buffer.alloc(10, 1));
    expect(await claimFile(store, 1000, log)(job(key, 11))).toBeUndefined();
  });
});
