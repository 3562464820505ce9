// The driver against a small in-process stand-in for the REST API: paging, retries, bad files and
// vanished jobs, without a fleet. The real fleet run is in README.md.
import { randomUUID } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { driveWorkload } from "./drive.ts";
import type { TWorkloadFile } from "./types.ts";

type TFakeJob = { id: string; fileName: string; status: string; polls: number; createdAt: string; finishedAt: string | null };

/** Jobs advance one status per list request; files named bad-* are refused, flaky-* fail once with 503. */
function fakeApi() {
  const jobs: TFakeJob[] = [];
  const byKey = new Map<string, TFakeJob>();
  const flaked = new Set<string>();
  const stats = { listCalls: 0, getCalls: 0, posts: 0 };
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url!, "http://x");
    const send = (status: number, body: unknown) => res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    if (req.headers.authorization !== "Bearer k") return send(401, { error: { code: "UNAUTHORIZED", message: "no" } });
    if (req.method === "POST" && url.pathname === "/api/v1/jobs") {
      stats.posts++;
      const form = await new Response(Buffer.concat(chunks), { headers: { "content-type": req.headers["content-type"]! } }).formData();
      const file = form.get("file") as File;
      const key = String(form.get("idempotencyKey"));
      if (file.name.startsWith("bad-")) return send(415, { error: { code: "UNSUPPORTED_MEDIA_TYPE", message: "not an image" } });
      if (file.name.startsWith("flaky-") && !flaked.has(file.name)) {
        flaked.add(file.name);
        return send(503, { error: { code: "UNAVAILABLE", message: "busy" } });
      }
      const existing = byKey.get(key);
      if (existing) return send(200, { jobs: [{ id: existing.id, status: existing.status }] });
      const job = { id: randomUUID(), fileName: file.name, status: "QUEUED", polls: 0, createdAt: new Date().toISOString(), finishedAt: null };
      jobs.push(job);
      byKey.set(key, job);
      if (file.name.startsWith("gone-")) jobs.splice(jobs.indexOf(job), 1);
      return send(201, { jobs: [{ id: job.id, status: job.status }] });
    }
    if (req.method === "GET" && url.pathname === "/api/v1/jobs") {
      stats.listCalls++;
      for (const j of jobs) {
        const next: Record<string, string> = { QUEUED: "RUNNING", RUNNING: j.fileName.startsWith("fail-") ? "FAILED" : "SUCCEEDED" };
        if (next[j.status]) j.status = next[j.status]!;
        if (j.status === "SUCCEEDED" || j.status === "FAILED") j.finishedAt ??= new Date().toISOString();
      }
      const page = Number(url.searchParams.get("page")), pageSize = Number(url.searchParams.get("pageSize"));
      const items = jobs.slice((page - 1) * pageSize, page * pageSize).map((j) => ({
        id: j.id, status: j.status, attempt: 1, node: { id: "n", name: "gpu-0" }, createdAt: j.createdAt, startedAt: j.createdAt,
        finishedAt: j.finishedAt, errorCode: j.status === "FAILED" ? "GPU_OOM" : null,
      }));
      return send(200, { items, total: jobs.length, totalCapped: false, page, pageSize, pageCount: Math.max(1, Math.ceil(jobs.length / pageSize)) });
    }
    if (req.method === "GET" && url.pathname.startsWith("/api/v1/jobs/")) {
      stats.getCalls++;
      return send(404, { error: { code: "NOT_FOUND", message: "No job" } });
    }
    send(404, { error: { code: "NOT_FOUND", message: url.pathname } });
  });
  return { server, jobs, stats };
}

describe("driveWorkload", () => {
  const api = fakeApi();
  let baseUrl: string;
  let dir: string;
  const files: TWorkloadFile[] = [];
  beforeAll(async () => {
    await new Promise<void>((r) => api.server.listen(0, "127.0.0.1", r));
    baseUrl = `http://127.0.0.1:${(api.server.address() as AddressInfo).port}`;
    dir = await mkdtemp(path.join(os.tmpdir(), "fleet-bench-drive-"));
    // 150 good files span two list pages of 100; plus one of each awkward case.
    const names = [...Array.from({ length: 150 }, (_, i) => `ok-${i}.jpg`), "bad-1.jpg", "flaky-1.jpg", "fail-1.pdf", "gone-1.jpg"];
    for (const name of names) {
      const p = path.join(dir, name);
      await writeFile(p, "x");
      files.push({ path: p, name, kind: name.endsWith(".pdf") ? "pdf" : "receipt", pages: name.endsWith(".pdf") ? 3 : 1, widthPx: 1, heightPx: 1, bytes: 1 });
    }
  });
  afterAll(async () => {
    api.server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("follows every job to a terminal status and records what went wrong", async () => {
    const progress: number[] = [];
    const r = await driveWorkload({ baseUrl, apiKey: "k", files, label: "t", pollMs: 20, timeoutMs: 20_000, uploadConcurrency: 8, onProgress: (p) => progress.push(p.done + p.failed) });
    expect(r.timedOut).toBe(false);
    expect(r.uploadErrors).toEqual([{ name: "bad-1.jpg", status: 415, body: expect.stringContaining("UNSUPPORTED_MEDIA_TYPE") }]);
    expect(r.jobs).toHaveLength(153);
    expect(r.statusCounts).toEqual({ SUCCEEDED: 151, FAILED: 1, MISSING: 1 });
    expect(r.jobs.find((j) => j.name === "fail-1.pdf")).toMatchObject({ status: "FAILED", errorCode: "GPU_OOM", nodeName: "gpu-0", attempts: 1 });
    expect(r.jobs.find((j) => j.name === "gone-1.jpg")).toMatchObject({ status: "MISSING", errorCode: "NOT_FOUND" });
    // The 503 was retried with the same idempotency key: one job, not two.
    expect(api.jobs.filter((j) => j.fileName === "flaky-1.jpg")).toHaveLength(1);
    expect(r.pages).toBe(156);
    expect(r.pagesCompleted).toBe(151);
    expect(r.pagesPerS).toBeGreaterThan(0);
    expect(Date.parse(r.finishedAt)).toBeGreaterThanOrEqual(Date.parse(r.serverFinishedAt!));
    expect(progress.at(-1)).toBe(files.length);
    // Lists, not one GET per job per poll: the only direct look-up is the vanished job.
    expect(api.stats.getCalls).toBe(1);
  });

  it("gives up at the timeout and says so", async () => {
    const r = await driveWorkload({ baseUrl: "http://127.0.0.1:9", apiKey: "k", files: files.slice(0, 3), label: "t", pollMs: 20, timeoutMs: 300 });
    expect(r.timedOut).toBe(true);
    expect(r.jobs).toHaveLength(0);
    expect(r.uploadErrors.map((e) => e.status)).toEqual([0, 0, 0]);
  });
});
