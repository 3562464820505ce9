// The Postgres store against a real Postgres: round trips, the limit, streaming both ways without
// holding a file whole, and a file uploaded through one replica fetched by an agent through another.
import { spawn, type ChildProcess } from "node:child_process";
import { createHash, randomUUID } from "node:crypto";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { useTestDatabase } from "@headroom/db/testing";
import { AppError } from "@headroom/protocol";
import sharp from "sharp";
import { rejection } from "@/server/test-support";
import { afterAll, describe, expect, it } from "vitest";
import { sha256Hex } from "@/server/agent/node-auth";
import { createJobs } from "./create-jobs";
import { PostgresUploadStore } from "./storage-postgres";

const t = useTestDatabase();
const MiB = 1024 * 1024;

/** `total` bytes of a repeatable pattern, handed out `piece` bytes at a time; calls `onPiece` before each. */
async function* pattern(total: number, piece: number, onPiece: (offset: number) => Promise<void> = async () => {}): AsyncIterable<Uint8Array> {
  for (let off = 0; off < total; off += piece) {
    await onPiece(off);
    const n = Math.min(piece, total - off);
    const b = new Uint8Array(n);
    for (let i = 0; i < n; i++) b[i] = ((off + i) * 31) & 0xff;
    yield b;
  }
}
const sha = async (src: AsyncIterable<unknown>) => {
  const h = createHash("sha256");
  for await (const p of src) h.update(p as Uint8Array);
  return h.digest("hex");
};

describe("PostgresUploadStore", () => {
  it("stores, reads, lists and deletes", async () => {
    const store = new PostgresUploadStore(t.db, 10 * MiB, 1024);
    const parts: Uint8Array[] = [];
    for await (const p of pattern(5000, 700)) parts.push(p);
    const bytes = Buffer.concat(parts);
    const key = await store.put(bytes);
    expect(await t.db.storedFileChunk.count({ where: { key } })).toBe(5);
    expect(await store.get(key)).toEqual(bytes);
    expect((await store.open(key)).sizeBytes).toBe(5000);
    const keys: string[] = [];
    for await (const k of store.keys()) keys.push(k);
    expect(keys).toContain(key);
    await store.remove(key);
    expect(await t.db.storedFileChunk.count({ where: { key } })).toBe(0);
    expect((await rejection(store.get(key), AppError)).code).toBe("NOT_FOUND");
    await store.remove(key); // twice is fine
  });

  it("reads a file of one chunk, and an empty one, from open()'s own statement", async () => {
    const store = new PostgresUploadStore(t.db, 10 * MiB, 1024);
    const one = Buffer.from("one chunk of bytes");
    const key = await store.put(one);
    const file = await store.open(key);
    expect(file.sizeBytes).toBe(one.length);
    // Removed after open(): the one chunk was already read with the size, so the body still has it all.
    await store.remove(key);
    const parts: Buffer[] = [];
    for await (const p of file.body) parts.push(p as Buffer);
    expect(Buffer.concat(parts)).toEqual(one);

    const empty = await store.put(Buffer.alloc(0));
    expect((await store.open(empty)).sizeBytes).toBe(0);
    expect(await store.get(empty)).toEqual(Buffer.alloc(0));
  });

  it("refuses past the upload limit and keeps no row of it", async () => {
    const store = new PostgresUploadStore(t.db, 3000, 1024);
    const before = await t.db.storedFile.count();
    const err = await store.put(pattern(5000, 700)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe("FILE_TOO_LARGE");
    expect(await t.db.storedFile.count()).toBe(before);
  });

  it("never serves a file whose upload did not finish", async () => {
    const store = new PostgresUploadStore(t.db);
    const key = randomUUID();
    await t.db.storedFile.create({ data: { key, chunks: { create: { seq: 0, bytes: new Uint8Array([1, 2, 3]) } } } });
    expect((await rejection(store.open(key), AppError)).code).toBe("NOT_FOUND");
  });

  it("streams 24 MiB in and out a chunk at a time, never the whole file", async () => {
    const store = new PostgresUploadStore(t.db, 25 * MiB);
    const total = 24 * MiB;
    // Writing: when the source hands out its piece at 12 MiB, the first 11 MiB are already rows in
    // the database, so the store has been writing as it read rather than gathering the file first.
    let rowsAtHalf = -1;
    const key = await store.put(
      pattern(total, 256 * 1024, async (off) => {
        if (off === 12 * MiB) rowsAtHalf = await t.db.storedFileChunk.count({ where: { file: { complete: false } } });
      }),
    );
    expect(rowsAtHalf).toBeGreaterThanOrEqual(11);
    expect(await t.db.storedFileChunk.count({ where: { key } })).toBe(24);

    // Reading: the body yields chunk-sized pieces; the sha matches what went in.
    const { sizeBytes, body } = await store.open(key);
    expect(sizeBytes).toBe(total);
    const sizes: number[] = [];
    const h = createHash("sha256");
    for await (const p of body) {
      sizes.push((p as Buffer).length);
      h.update(p as Buffer);
    }
    expect(Math.max(...sizes)).toBe(MiB);
    expect(h.digest("hex")).toBe(await sha(pattern(total, MiB)));

    // And lazily: a file removed after its first chunk was read fails the read instead of having
    // been read whole up front.
    const again = await store.open(key);
    const it = again.body[Symbol.asyncIterator]();
    expect(((await it.next()).value as Buffer).length).toBe(MiB);
    await store.remove(key);
    const err = await it.next().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).message).toMatch(/removed while it was read \(1048576 of 25165824 bytes sent\)/);
  });
});

describe("an upload taken by replica A, fetched by an agent through replica B", () => {
  let replica: ChildProcess | undefined;
  afterAll(() => {
    replica?.kill("SIGTERM");
  });

  it("gets the same bytes from the other process", async () => {
    // Replica A is this process: the real createJobs with its own store and database client.
    const storeA = new PostgresUploadStore(t.db, 10 * MiB);
    const png = await sharp({ create: { width: 300, height: 200, channels: 3, background: "#36c" } }).png().toBuffer();
    const { jobs } = await createJobs(t.db, storeA, { maxBytes: 10 * MiB, maxPixels: 4_000_000, maxPages: 5 }, {
      files: [{ name: "a.png", bytes: png }],
      priority: 0,
      idempotencyKey: null,
      owner: { userId: null, apiKeyId: null },
      maxAttempts: 3,
    });
    const token = `hn_${randomUUID()}`;
    const node = await t.db.node.create({
      data: { name: "agent-b", hostname: "h", kind: "CPU", tokenHash: sha256Hex(token), status: "ONLINE", totalMiB: 1000, usedMiB: 0, freeMiB: 1000, maxConcurrent: 1, lastHeartbeatAt: new Date() },
    });
    await t.db.job.update({ where: { id: jobs[0]!.id }, data: { status: "RUNNING", nodeId: node.id, attempt: 1 } });

    // Replica B: another process, the real agent file route, sharing nothing with A but Postgres.
    const root = fileURLToPath(new URL("../../../../..", import.meta.url));
    replica = spawn(process.execPath, [path.join(root, "node_modules/tsx/dist/cli.mjs"), "--tsconfig", path.join(root, "apps/web/tsconfig.json"), fileURLToPath(new URL("./storage-replica.fixture.ts", import.meta.url))], {
      env: { PATH: process.env.PATH, NODE_ENV: "production", DATABASE_URL: t.url, HEADROOM_STORAGE: "postgres", HEADROOM_ENROLL_TOKEN: "x".repeat(32), LOG_LEVEL: "silent" },
      stdio: ["ignore", "pipe", "inherit"],
    });
    const port = await new Promise<number>((resolve, reject) => {
      replica!.stdout!.on("data", (d: Buffer) => {
        const m = /listening (\d+)/.exec(d.toString());
        if (m) resolve(Number(m[1]));
      });
      replica!.once("exit", (code) => reject(new Error(`replica B exited with ${code}`)));
    });

    const url = `http://127.0.0.1:${port}/api/agent/v1/jobs/${jobs[0]!.id}/file`;
    const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-length")).toBe(String(png.length));
    expect(Buffer.from(await res.arrayBuffer())).toEqual(png);
    // The route's own checks still hold on B: a stranger's token gets nothing.
    const denied = await fetch(url, { headers: { authorization: "Bearer hn_nobody" } });
    expect(denied.status).toBe(401);
  }, 60_000);
});
