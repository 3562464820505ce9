// Against a real Postgres and a real upload directory: good uploads become jobs; bad ones leave
// neither a job nor a stored file, and disturb nothing already there.
import { mkdtemp, readdir, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { useTestDatabase } from "@headroom/db/testing";
import { AppError } from "@headroom/protocol";
import { PDFDocument, StandardFonts } from "pdf-lib";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createJobs, type TCreateJobsInput } from "./create-jobs";
import { UploadStore } from "./storage";

const t = useTestDatabase();
let dir: string;
let store: UploadStore;
const limits = { maxBytes: 2_000_000, maxPixels: 4_000_000 };

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "headroom-uploads-"));
  store = new UploadStore(dir);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const png = (w = 100, h = 50) => sharp({ create: { width: w, height: h, channels: 3, background: "#fff" } }).png().toBuffer();
const input = (files: TCreateJobsInput["files"], idempotencyKey: string | null = null): TCreateJobsInput => ({
  files,
  priority: 0,
  idempotencyKey,
  owner: { userId: null, apiKeyId: null },
  maxAttempts: 3,
});
const stored = async () => (await readdir(dir)).length;
/** A real PDF of `n` US Letter pages, each with a line of text. */
async function pdf(n: number): Promise<Buffer> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  for (let i = 1; i <= n; i++) doc.addPage([612, 792]).drawText(`Page ${i}`, { x: 72, y: 700, size: 24, font });
  return Buffer.from(await doc.save());
}

describe("createJobs", () => {
  it("stores each file under a generated name and queues a job with a created event", async () => {
    const { jobs } = await createJobs(t.db, store, limits, input([{ name: "<img src=x onerror=alert(1)>.png", bytes: await png() }]));
    expect(jobs).toEqual([{ id: expect.any(String), status: "QUEUED" }]);
    const job = await t.db.job.findUniqueOrThrow({ where: { id: jobs[0]!.id }, include: { events: true } });
    expect(job).toMatchObject({ widthPx: 100, heightPx: 50, mimeType: "image/png", fileName: "<img src=x onerror=alert(1)>.png" });
    expect(job.storageKey).toMatch(/^[0-9a-f-]{36}$/);
    expect(job.events.map((e) => e.type)).toEqual(["created"]);
    expect(await readdir(dir)).toContain(job.storageKey);
  });

  it("a single file has no batch; the files of one multi-file request share a batch id", async () => {
    const single = await createJobs(t.db, store, limits, input([{ name: "one.png", bytes: await png() }]));
    expect((await t.db.job.findUniqueOrThrow({ where: { id: single.jobs[0]!.id } })).batchId).toBeNull();
    const many = await createJobs(t.db, store, limits, input([{ name: "a.png", bytes: await png() }, { name: "b.png", bytes: await png(60, 40) }]));
    const rows = await t.db.job.findMany({ where: { id: { in: many.jobs.map((j) => j.id) } } });
    expect(rows).toHaveLength(2);
    expect(rows[0]!.batchId).toMatch(/^[0-9a-f-]{36}$/);
    expect(rows[1]!.batchId).toBe(rows[0]!.batchId);
    const other = await createJobs(t.db, store, limits, input([{ name: "c.png", bytes: await png() }, { name: "d.png", bytes: await png() }]));
    const otherBatch = (await t.db.job.findUniqueOrThrow({ where: { id: other.jobs[0]!.id } })).batchId;
    expect(otherBatch).not.toBe(rows[0]!.batchId);
  });

  it("queues a two-page PDF as one job with its page count", async () => {
    const { jobs } = await createJobs(t.db, store, { ...limits, maxPages: 5 }, input([{ name: "letter.pdf", bytes: await pdf(2) }]));
    const job = await t.db.job.findUniqueOrThrow({ where: { id: jobs[0]!.id }, include: { events: true } });
    expect(job).toMatchObject({ mimeType: "application/pdf", pages: 2, widthPx: 1275, heightPx: 1650, batchId: null });
    expect(job.events[0]!.data).toMatchObject({ pages: 2 });
  });

  it("replays an idempotency key instead of creating a second job", async () => {
    const first = await createJobs(t.db, store, limits, input([{ name: "a.png", bytes: await png() }], "key-1"));
    const again = await createJobs(t.db, store, limits, input([{ name: "a.png", bytes: await png() }], "key-1"));
    expect(again).toEqual({ jobs: first.jobs, replayed: true });
  });

  it.each<[string, () => Promise<Buffer>, string]>([
    ["a non-image body", async () => Buffer.from("just text"), "UNSUPPORTED_MEDIA_TYPE"],
    ["a truncated image", async () => (await png(500, 500)).subarray(0, 100), "INVALID_INPUT"],
    ["a zero-byte file", async () => Buffer.alloc(0), "EMPTY_FILE"],
    ["a file over the size limit", async () => Buffer.concat([await png(), Buffer.alloc(2_000_001)]), "FILE_TOO_LARGE"],
    ["an image over the pixel limit", () => png(2_001, 2_000), "TOO_MANY_PIXELS"],
    ["a PDF over the page cap", () => pdf(4), "TOO_MANY_PAGES"],
    ["a truncated PDF", async () => (await pdf(2)).subarray(0, 500), "INVALID_INPUT"],
  ])("refuses %s and leaves nothing behind, even beside a good file", async (_name, make, code) => {
    const jobsBefore = await t.db.job.count();
    const filesBefore = await stored();
    const err = await createJobs(t.db, store, { ...limits, maxPages: 3 }, input([{ name: "good.png", bytes: await png() }, { name: "bad.png", bytes: await make() }])).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe(code);
    expect(await t.db.job.count()).toBe(jobsBefore);
    expect(await stored()).toBe(filesBefore);
  });
});
