// Uploads in Postgres, the one engine every replica already shares: a file is a StoredFile row and
// its bytes are StoredFileChunk rows of CHUNK_BYTES each (bytea). Written and read a chunk at a time,
// so a 25 MiB upload never sits whole in this process on its way in or out. bytea rows rather than
// large objects: they are dropped with their row (ON DELETE CASCADE), copied by pg_dump like any
// table, and need no lo_unlink bookkeeping.
import { randomUUID } from "node:crypto";
import { Readable } from "node:stream";
import { Prisma, sqlCount, sqlRows, type PrismaClient } from "@headroom/db";
import { AppError } from "@headroom/protocol";
import { assertKey, missing, readWhole, rechunk, type TStoreSource } from "./storage-bytes";
import type { TStoredFile, UploadStore } from "./storage";

/** 1 MiB: one round trip per MiB, and a row small enough to stay out of the way of other queries. */
export const CHUNK_BYTES = 1024 * 1024;
/** An upload still incomplete after this long was cut off by a crash; the next put removes it. */
const ABANDONED_AFTER_MS = 60 * 60 * 1000;
const ABANDONED_SWEEP_EVERY_MS = 60_000;

export class PostgresUploadStore implements UploadStore {
  private lastAbandonedSweepMs = 0;

  constructor(
    private readonly db: PrismaClient,
    private readonly maxBytes = Number.MAX_SAFE_INTEGER,
    private readonly chunkBytes = CHUNK_BYTES,
  ) {}

  async put(source: TStoreSource, given?: string): Promise<string> {
    await this.removeAbandoned();
    const key = given ?? randomUUID();
    assertKey(key);
    const chunks = rechunk(source, this.chunkBytes, this.maxBytes)[Symbol.asyncIterator]();
    const first = await chunks.next();
    const second = first.done ? first : await chunks.next();
    // Most uploads are one chunk: the row, complete, and its chunk in one statement (atomic, so never
    // half there), instead of four round trips on every upload's way in.
    if (second.done) {
      const bytes = first.done ? Buffer.alloc(0) : first.value;
      await sqlCount(this.db, Prisma.sql`
        WITH f AS (INSERT INTO "StoredFile" (key, complete, "sizeBytes") VALUES (${key}::uuid, true, ${bytes.length}) RETURNING key)
        INSERT INTO "StoredFileChunk" (key, seq, bytes) SELECT key, 0, ${bytes as Uint8Array<ArrayBuffer>} FROM f WHERE ${bytes.length} > 0`);
      return key;
    }
    await this.db.storedFile.create({ data: { key } });
    let seq = 0;
    let size = 0;
    try {
      const write = async (chunk: Buffer) => {
        // rechunk's chunks are Buffer.concat results: a plain ArrayBuffer underneath, never a shared one.
        await this.db.storedFileChunk.create({ data: { key, seq: seq++, bytes: chunk as Uint8Array<ArrayBuffer> } });
        size += chunk.length;
      };
      await write(first.value!);
      await write(second.value);
      for (let next = await chunks.next(); !next.done; next = await chunks.next()) await write(next.value);
      // Readable from here on: open() and get() only see complete files.
      await this.db.storedFile.update({ where: { key }, data: { complete: true, sizeBytes: BigInt(size) } });
    } catch (err) {
      await this.db.storedFile.deleteMany({ where: { key } }).catch(() => {});
      throw err;
    }
    return key;
  }

  /** Uploads left incomplete by a crash mid-put, removed at most once a minute per store (housekeeping, not every put's cost). */
  private async removeAbandoned(): Promise<void> {
    const now = Date.now();
    if (now - this.lastAbandonedSweepMs < ABANDONED_SWEEP_EVERY_MS) return;
    this.lastAbandonedSweepMs = now;
    await this.db.storedFile.deleteMany({ where: { complete: false, createdAt: { lt: new Date(now - ABANDONED_AFTER_MS) } } });
  }

  async get(key: string): Promise<Buffer> {
    return readWhole((await this.open(key)).body);
  }

  /**
   * The file's size and its first chunk in one statement: every job's file is fetched once by its
   * agent, and most are one chunk, so most reads are this one round trip.
   */
  async open(key: string): Promise<TStoredFile> {
    assertKey(key);
    const [file] = await sqlRows<{ sizeBytes: bigint; first: Uint8Array | null }>(this.db, Prisma.sql`
      SELECT f."sizeBytes", c.bytes AS first
      FROM "StoredFile" f LEFT JOIN "StoredFileChunk" c ON c.key = f.key AND c.seq = 0
      WHERE f.key = ${key}::uuid AND f.complete`);
    if (!file) throw missing(key);
    const sizeBytes = Number(file.sizeBytes);
    return { sizeBytes, body: Readable.from(this.chunks(key, sizeBytes, file.first)) };
  }

  async remove(key: string): Promise<void> {
    assertKey(key);
    await this.db.storedFile.deleteMany({ where: { key } });
  }

  keys(): AsyncIterable<string> {
    return this.completeKeys({});
  }

  storedBefore(before: Date): AsyncIterable<string> {
    return this.completeKeys({ createdAt: { lt: before } });
  }

  /** Pages of 500 by key, so a listing never holds every key at once. */
  private async *completeKeys(where: { createdAt?: { lt: Date } }): AsyncIterable<string> {
    let after: string | undefined;
    for (;;) {
      const page = await this.db.storedFile.findMany({ where: { complete: true, ...where, ...(after && { key: { gt: after } }) }, orderBy: { key: "asc" }, take: 500, select: { key: true } });
      for (const { key } of page) yield key;
      if (page.length < 500) return;
      after = page[page.length - 1]!.key;
    }
  }

  /** The chunk open() read, then one chunk per query; a file removed mid-read ends in an error, never in a short success. */
  private async *chunks(key: string, sizeBytes: number, first: Uint8Array | null): AsyncIterable<Buffer> {
    let sent = 0;
    for (let seq = 0; sent < sizeBytes; seq++) {
      const bytes = seq === 0 ? first : (await this.db.storedFileChunk.findUnique({ where: { key_seq: { key, seq } }, select: { bytes: true } }))?.bytes;
      if (!bytes) throw new AppError("NOT_FOUND", `stored file ${key} was removed while it was read (${sent} of ${sizeBytes} bytes sent)`);
      sent += bytes.length;
      yield Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    }
  }
}
