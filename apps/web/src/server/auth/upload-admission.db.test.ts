// Upload limits through the real POST /api/v1/jobs handler and a real Postgres: a rate per API key
// (429 + Retry-After) and back-pressure past a queue depth (503 QUEUE_FULL + Retry-After).
import { randomUUID } from "node:crypto";
import { useTestDatabase } from "@headroom/db/testing";
import { describe, expect, it, vi } from "vitest";
import { useUploadRoute } from "../jobs/upload-route.fixture";
import { admitUpload, QUEUE_COUNT_REUSE_MS } from "./upload-admission";
import { RetryLaterError } from "../http";
import { rejection } from "../test-support";

const t = useTestDatabase();
const PER_MINUTE = 3;
const MAX_QUEUED = 8;
const route = useUploadRoute(t, { HEADROOM_UPLOADS_PER_MINUTE: String(PER_MINUTE), HEADROOM_MAX_QUEUED_JOBS: String(MAX_QUEUED) });
const apiKey = () => route.apiKey();

async function upload(key: string): Promise<Response> {
  const form = new FormData();
  form.append("file", new Blob([new Uint8Array(route.png())], { type: "image/png" }), "line.png");
  return route.POST(new Request("http://localhost:3000/api/v1/jobs", { method: "POST", headers: { authorization: `Bearer ${key}` }, body: form }));
}

describe("upload rate per API key", () => {
  it("takes the configured burst, then answers 429 RATE_LIMITED with Retry-After; another key is not held back", async () => {
    const key = await apiKey();
    for (let i = 0; i < PER_MINUTE; i++) expect((await upload(key)).status).toBe(201);
    const refused = await upload(key);
    expect(refused.status).toBe(429);
    // A bucket of 3 a minute regains one token in 20 s, less whatever the three uploads took (real
    // clock here; the fixed-clock test below checks the arithmetic exactly).
    const retryAfterS = Number(refused.headers.get("retry-after"));
    expect(retryAfterS).toBeGreaterThanOrEqual(1);
    expect(retryAfterS).toBeLessThanOrEqual(20);
    expect(await refused.json()).toMatchObject({ error: { code: "RATE_LIMITED" } });
    expect((await upload(await apiKey())).status).toBe(201);
  });

  it("refills with time", async () => {
    const principal = { kind: "apiKey", id: randomUUID(), role: "VIEWER", label: "k" } as const;
    const limits = { perKeyPerMinute: 2, maxQueuedJobs: 1_000_000 };
    const t0 = new Date("2031-01-01T00:00:00Z");
    await admitUpload(t.db, principal, limits, t0);
    await admitUpload(t.db, principal, limits, t0);
    const err = await rejection(admitUpload(t.db, principal, limits, t0), RetryLaterError);
    expect(err).toMatchObject({ code: "RATE_LIMITED", retryAfterMs: 30_000 });
    await expect(admitUpload(t.db, principal, limits, new Date(t0.getTime() + 30_000))).resolves.toBeUndefined();
  });

  it("does not limit signed-in users (they upload by hand)", async () => {
    const principal = { kind: "user", id: randomUUID(), role: "VIEWER", label: "u" } as const;
    for (let i = 0; i < 5; i++) await admitUpload(t.db, principal, { perKeyPerMinute: 1, maxQueuedJobs: 1_000_000 });
  });
});

describe("back-pressure on queue depth", () => {
  it("answers 503 QUEUE_FULL with Retry-After once the queue holds the configured depth, and accepts again when it drains", async () => {
    const queued = await t.db.job.count({ where: { status: "QUEUED" } });
    expect(queued).toBeLessThan(MAX_QUEUED);
    await t.db.job.createMany({
      data: Array.from({ length: MAX_QUEUED - queued }, (_, i) => ({ fileName: `q${i}.png`, mimeType: "image/png", sizeBytes: 1, sha256: "0", storageKey: randomUUID() })),
    });
    // A replica reuses a count this recent while it was far under the limit: these rows skipped uploads.
    await new Promise((r) => setTimeout(r, QUEUE_COUNT_REUSE_MS));
    const res = await upload(await apiKey());
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("10");
    expect(await res.json()).toMatchObject({ error: { code: "QUEUE_FULL" } });
    const stored = await t.db.job.count();

    // Jobs that leave the queue (placed, running, finished) no longer count.
    const one = await t.db.job.findFirstOrThrow({ where: { status: "QUEUED" }, select: { id: true } });
    await t.db.job.update({ where: { id: one.id }, data: { status: "SUCCEEDED" } });
    expect((await upload(await apiKey())).status).toBe(201);
    expect(await t.db.job.count()).toBe(stored + 1);
  });
});

describe("the queue count", () => {
  it("is still reused at 80 % of the limit (a deep queue does not make every upload count it)", async () => {
    const principal = { kind: "user" as const, id: randomUUID(), role: "ADMIN" as const, label: "t" };
    const before = await t.db.job.count({ where: { status: "QUEUED" } });
    const limits = { perKeyPerMinute: 1, maxQueuedJobs: 10 * (before + 10) };
    const t0 = new Date(Date.now() + 120_000); // later than any count the other tests took
    const fillTo = (n: number, tag: string) =>
      t.db.job.createMany({ data: Array.from({ length: n }, (_, i) => ({ fileName: `${tag}${i}.png`, mimeType: "image/png", sizeBytes: 1, sha256: "0", storageKey: `fill-${tag}-${randomUUID()}` })) });
    await fillTo(Math.floor(limits.maxQueuedJobs * 0.8) - before, "eighty");
    try {
      await admitUpload(t.db, principal, limits, t0); // counts: 80 %
      await fillTo(limits.maxQueuedJobs, "over");
      // Over the limit now, but the count taken at 80 % is reused within the quarter second…
      await expect(admitUpload(t.db, principal, limits, new Date(t0.getTime() + QUEUE_COUNT_REUSE_MS - 1))).resolves.toBeUndefined();
      // …and taken afresh after it.
      expect((await rejection(admitUpload(t.db, principal, limits, new Date(t0.getTime() + QUEUE_COUNT_REUSE_MS)), RetryLaterError)).code).toBe("QUEUE_FULL");
    } finally {
      await t.db.job.deleteMany({ where: { storageKey: { startsWith: "fill-" } } });
    }
  });

  it("is reused for a quarter second while far under the limit, and taken afresh once near it", async () => {
    const principal = { kind: "user" as const, id: randomUUID(), role: "ADMIN" as const, label: "t" };
    const before = await t.db.job.count({ where: { status: "QUEUED" } });
    const limits = { perKeyPerMinute: 1, maxQueuedJobs: 2 * (before + 10) }; // "before" is under 90 % of it
    const t0 = new Date(Date.now() + 60_000); // later than any count the other tests took
    const at = (ms: number) => new Date(t0.getTime() + ms);
    await admitUpload(t.db, principal, limits, t0);
    const fill = Array.from({ length: limits.maxQueuedJobs }, (_, i) => ({ fileName: `fill${i}.png`, mimeType: "image/png", sizeBytes: 1, sha256: "0", storageKey: `fill-${randomUUID()}` }));
    await t.db.job.createMany({ data: fill });
    try {
      await expect(admitUpload(t.db, principal, limits, at(QUEUE_COUNT_REUSE_MS - 1))).resolves.toBeUndefined();
      expect((await rejection(admitUpload(t.db, principal, limits, at(QUEUE_COUNT_REUSE_MS)), RetryLaterError)).code).toBe("QUEUE_FULL");
      // At the limit nothing is reused, however recent.
      expect((await rejection(admitUpload(t.db, principal, limits, at(QUEUE_COUNT_REUSE_MS + 1)), RetryLaterError)).code).toBe("QUEUE_FULL");
    } finally {
      await t.db.job.deleteMany({ where: { storageKey: { startsWith: "fill-" } } });
    }
    await expect(admitUpload(t.db, principal, limits, at(QUEUE_COUNT_REUSE_MS + 2))).resolves.toBeUndefined();
  });

  it("is taken once for uploads that arrive while it is in flight, at the limit too", async () => {
    const principal = { kind: "user" as const, id: randomUUID(), role: "ADMIN" as const, label: "t" };
    const queued = await t.db.job.count({ where: { status: "QUEUED" } });
    const count = vi.spyOn(t.db.job, "count");
    const admitAll = (limits: { perKeyPerMinute: number; maxQueuedJobs: number }, at: Date) =>
      Promise.allSettled(Array.from({ length: 20 }, () => admitUpload(t.db, principal, limits, at)));
    try {
      // Far from the limit: 20 at once share one count, and the next upload reuses it.
      const far = { perKeyPerMinute: 1, maxQueuedJobs: 1_000_000 };
      const t0 = new Date(Date.now() + 180_000); // past every earlier count
      expect((await admitAll(far, t0)).every((r) => r.status === "fulfilled")).toBe(true);
      await admitUpload(t.db, principal, far, t0);
      expect(count).toHaveBeenCalledTimes(1);
      // At the limit: 20 refused at once share one count; once it has answered, the next counts again.
      count.mockClear();
      const full = { perKeyPerMinute: 1, maxQueuedJobs: queued };
      const t1 = new Date(t0.getTime() + 60_000);
      const refused = await admitAll(full, t1);
      expect(refused.map((r) => r.status === "rejected" && (r.reason as RetryLaterError).code)).toEqual(Array(20).fill("QUEUE_FULL"));
      expect(count).toHaveBeenCalledTimes(1);
      expect((await rejection(admitUpload(t.db, principal, full, t1), RetryLaterError)).code).toBe("QUEUE_FULL");
      expect(count).toHaveBeenCalledTimes(2);
    } finally {
      count.mockRestore();
    }
  });
});
