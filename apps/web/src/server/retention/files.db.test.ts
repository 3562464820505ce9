// File retention against a real Postgres and the disk store: old finished jobs lose their file
// and result, are marked, and answer 410 FILE_EXPIRED; their rows and events stay; nothing else is touched.
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Prisma } from "@headroom/db";
import { useTestDatabase } from "@headroom/db/testing";
import { AppError } from "@headroom/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getJobView } from "../jobs/job-view";
import { jobPageImage } from "../jobs/page-image";
import { FsUploadStore } from "../jobs/storage-fs";
import { rejection } from "../test-support";
import { runRetention } from "./run";
import { updateRetention } from "./settings";

const t = useTestDatabase();
const NOW = Date.parse("2030-06-01T12:00:00.000Z");
const DAY = 86_400_000;
const admin = { label: "Ada Admin", id: null };
const RESULT = { text: "hello", pages: [{ page: 1, widthPx: 10, heightPx: 10, text: "hello", lines: [] }], model: "m", provider: "cpu", timingsMs: {} };
let dir: string;
let store: FsUploadStore;
const ids: Record<string, string> = {};
const keys: Record<string, string> = {};

async function makeJob(name: string, over: Partial<Prisma.JobUncheckedCreateInput>) {
  const key = await store.put(Buffer.from(`bytes of ${name}`));
  const job = await t.db.job.create({ data: { fileName: `${name}.png`, mimeType: "image/png", sizeBytes: 10, sha256: "0".repeat(64), storageKey: key, ...over } });
  await t.db.jobEvent.create({ data: { jobId: job.id, type: "created" } });
  ids[name] = job.id;
  keys[name] = key;
}

const stored = async (name: string) => store.get(keys[name]!).then(() => true, () => false);

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "retention-files-"));
  store = new FsUploadStore(dir);
  const at = (daysAgo: number) => new Date(NOW - daysAgo * DAY);
  await makeJob("old-done", { status: "SUCCEEDED", result: RESULT, text: "hello", createdAt: at(20), finishedAt: at(20) });
  await makeJob("old-failed", { status: "FAILED", errorCode: "GPU_OOM", createdAt: at(15), finishedAt: at(15) });
  await makeJob("old-canceled", { status: "CANCELED", createdAt: at(9), finishedAt: at(9) });
  await makeJob("recent-done", { status: "SUCCEEDED", result: RESULT, text: "hello", createdAt: at(3), finishedAt: at(3) });
  // Created long ago but finished only yesterday (it waited): its time counts from when it finished.
  await makeJob("late-finish", { status: "SUCCEEDED", result: RESULT, createdAt: at(30), finishedAt: at(1) });
  // Still queued after 40 days: its file is needed to run it.
  await makeJob("old-queued", { status: "QUEUED", createdAt: at(40) });
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("file retention", () => {
  it("keeps every file by default", async () => {
    const r = await runRetention(t.db, store, { now: new Date(NOW) });
    expect(r.filesExpired).toBe(0);
    for (const name of Object.keys(ids)) expect(await stored(name)).toBe(true);
  });

  it("removes the files and results of jobs finished before the setting, in batches, and marks them", async () => {
    await updateRetention(t.db, { fileRetentionDays: 7 }, admin);
    const r = await runRetention(t.db, store, { now: new Date(NOW), batchJobs: 2 });
    expect(r.filesExpired).toBe(3);
    for (const name of ["old-done", "old-failed", "old-canceled"]) {
      expect(await stored(name)).toBe(false);
      const job = await t.db.job.findUniqueOrThrow({ where: { id: ids[name] }, select: { status: true, fileExpiredAt: true, result: true, text: true, events: { select: { type: true } } } });
      expect(job.fileExpiredAt).toEqual(new Date(NOW));
      expect(job.result).toBeNull();
      expect(job.text).toBeNull();
      // The row and its history stay; the new event says what happened.
      expect(job.events.map((e) => e.type)).toEqual(["created", "file_expired"]);
    }
    expect((await t.db.job.findUniqueOrThrow({ where: { id: ids["old-failed"] } })).errorCode).toBe("GPU_OOM");
    for (const name of ["recent-done", "late-finish", "old-queued"]) {
      expect(await stored(name)).toBe(true);
      expect((await t.db.job.findUniqueOrThrow({ where: { id: ids[name] } })).fileExpiredAt).toBeNull();
    }
  });

  it("answers 410 FILE_EXPIRED for an expired job's page, and the job view says when", async () => {
    const err = await rejection(jobPageImage(t.db, store, ids["old-done"]!, 1, 1e8), AppError);
    expect(err.code).toBe("FILE_EXPIRED");
    expect(err.httpStatus).toBe(410);
    const view = await getJobView(t.db, ids["old-done"]!);
    expect(view).toMatchObject({ status: "SUCCEEDED", result: null, fileExpiredAt: new Date(NOW).toISOString() });
    expect((await getJobView(t.db, ids["recent-done"]!)).fileExpiredAt).toBeNull();
  });

  it("is idempotent: a second pass removes nothing more", async () => {
    const r = await runRetention(t.db, store, { now: new Date(NOW) });
    expect(r.filesExpired).toBe(0);
    expect(await t.db.jobEvent.count({ where: { type: "file_expired" } })).toBe(3);
  });

  it("marks a job whose file is already gone (a pass that failed between removing and marking)", async () => {
    await t.db.job.update({ where: { id: ids["recent-done"] }, data: { finishedAt: new Date(NOW - 8 * DAY), createdAt: new Date(NOW - 8 * DAY) } });
    await store.remove(keys["recent-done"]!);
    const r = await runRetention(t.db, store, { now: new Date(NOW) });
    expect(r.filesExpired).toBe(1);
    expect((await t.db.job.findUniqueOrThrow({ where: { id: ids["recent-done"] } })).fileExpiredAt).toEqual(new Date(NOW));
  });
});
