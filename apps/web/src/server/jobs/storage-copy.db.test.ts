import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { useTestDatabase } from "@headroom/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { copyStore } from "./storage-copy";
import { FsUploadStore } from "./storage-fs";
import { PostgresUploadStore } from "./storage-postgres";

const t = useTestDatabase();
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "headroom-copy-"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe("copyStore", () => {
  it("moves every file from disk to Postgres under the same keys, and a second run copies nothing", async () => {
    const fs = new FsUploadStore(dir);
    const pg = new PostgresUploadStore(t.db, Number.MAX_SAFE_INTEGER, 1000);
    const files = [Buffer.alloc(2500, 1), Buffer.from("small"), Buffer.alloc(0)];
    const keys = [];
    for (const f of files) keys.push(await fs.put(f));

    expect(await copyStore(fs, pg)).toEqual({ copied: 3, skipped: 0, bytes: 2505 });
    for (const [i, k] of keys.entries()) expect(await pg.get(k)).toEqual(files[i]);
    expect(await copyStore(fs, pg)).toEqual({ copied: 0, skipped: 3, bytes: 0 });

    // And back the other way, into an empty directory.
    const dir2 = await mkdtemp(path.join(os.tmpdir(), "headroom-copy-back-"));
    try {
      const back = new FsUploadStore(dir2);
      expect((await copyStore(pg, back)).copied).toBeGreaterThanOrEqual(3);
      for (const [i, k] of keys.entries()) expect(await back.get(k)).toEqual(files[i]);
    } finally {
      await rm(dir2, { recursive: true, force: true });
    }
  });
});
