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
/**
 * A temp file this old belongs to a writer that died (a replica killed mid-upload: the chaos
 * campaign found one); a live upload must arrive within HEADROOM_UPLOAD_TIMEOUT_MS (2 minutes by default).
 */
export const STALE_TEMP_MS = 60 * 60 * 1000;

export class FsUploadStore implements UploadStore {
  constructor(
    private readonly dir: string,
    private readonly maxBytes = Number.MAX_SAFE_INTEGER,
  ) {}

  private swept: Promise<number> | null = null;

  /** Writes to a temp file, then renames, so a crash never leaves half a file under a real key. */
  async put(source: TStoreSource, given?: string): Promise<string> {
    await mkdir(this.dir, { recursive: true });
    // Once per process: what a killed writer left behind goes, without holding up this upload.
    this.swept ??= this.sweepStaleTemp().catch(() => 0);
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

  /** One readdir, then a stat per complete file; temp files are left to sweepStaleTemp. */
  async *storedBefore(before: Date): AsyncIterable<string> {
    for await (const key of this.keys()) {
      const st = await stat(path.join(this.dir, key)).catch(() => null);
      if (st && st.mtimeMs < before.getTime()) yield key;
    }
  }

  /** Removes temp files older than `olderThanMs` (their writer is gone); returns how many. */
  async sweepStaleTemp(now = Date.now(), olderThanMs = STALE_TEMP_MS): Promise<number> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    let removed = 0;
    for (const n of names) {
      if (!n.startsWith(".") || !n.endsWith(".tmp")) continue;
      const st = await stat(path.join(this.dir, n)).catch(() => null);
      if (st && now - st.mtimeMs > olderThanMs) {
        await rm(path.join(this.dir, n), { force: true });
        removed++;
      }
    }
    return removed;
  }

  private pathOf(key: string): string {
    assertKey(key);
    return path.join(this.dir, key);
  }
}

function notFoundOr(err: unknown, key: string): unknown {
  return (err as NodeJS.ErrnoException).code === "ENOENT" ? missing(key) : err;
}
