// Uploads on the local disk of this replica: right for `npm start` (one machine), wrong for several
// replicas, which must share postgres or s3 (storage-select.ts).
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, readdir, readFile, rename, rm, stat } from "node:fs/promises";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { randomUUID } from "node:crypto";
import { assertKey, isStorageKey, missing, rechunk, type TStoreSource } from "./storage-bytes";
import type { TStoredFile, UploadStore } from "./storage";

const CHUNK_BYTES = 1024 * 1024;

export class FsUploadStore implements UploadStore {
  constructor(
    private readonly dir: string,
    private readonly maxBytes = Number.MAX_SAFE_INTEGER,
  ) {}

  /** Writes to a temp file, then renames, so a crash never leaves half a file under a real key. */
  async put(source: TStoreSource, given?: string): Promise<string> {
    await mkdir(this.dir, { recursive: true });
    const key = given ?? randomUUID();
    assertKey(key);
    const tmp = path.join(this.dir, `.${key}.tmp`);
    try {
      await pipeline(Readable.from(rechunk(source, CHUNK_BYTES, this.maxBytes)), createWriteStream(tmp, { flags: "wx" }));
      await rename(tmp, this.pathOf(key));
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
    return key;
  }

  async get(key: string): Promise<Buffer> {
    try {
      return await readFile(this.pathOf(key));
    } catch (err) {
      throw notFoundOr(err, key);
    }
  }

  async open(key: string): Promise<TStoredFile> {
    const file = this.pathOf(key);
    try {
      const { size } = await stat(file);
      return { sizeBytes: size, body: createReadStream(file) };
    } catch (err) {
      throw notFoundOr(err, key);
    }
  }

  async remove(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
  }

  async *keys(): AsyncIterable<string> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    for (const n of names) if (isStorageKey(n)) yield n;
  }

  private pathOf(key: string): string {
    assertKey(key);
    return path.join(this.dir, key);
  }
}

function notFoundOr(err: unknown, key: string): unknown {
  return (err as NodeJS.ErrnoException).code === "ENOENT" ? missing(key) : err;
}
