import { describe, expect, it } from "vitest";
import { applyListed, countJobs, summarizeDrive, type TListedJob } from "./drive-state.ts";
import type { TDriveJob, TWorkloadFile } from "./types.ts";

const file = (name: string, pages: number): TWorkloadFile => ({ path: `/w/${name}`, name, kind: pages > 1 ? "pdf" : "receipt", pages, widthPx: 1, heightPx: 1, bytes: 1 });
const job = (id: string, pages: number, status: string, more: Partial<TDriveJob> = {}): TDriveJob => ({ id, name: `${id}.jpg`, kind: "receipt", pages, status, ...more });
const listed = (id: string, status: string, more: Partial<TListedJob> = {}): TListedJob => ({
  id, status, attempt: 1, node: { id: "n1", name: "gpu-0" }, createdAt: "2025-01-01T00:00:00.000Z", startedAt: null, finishedAt: null, errorCode: null, ...more,
});

describe("applyListed", () => {
  it("copies the API's view and stamps the moment it became terminal", () => {
    const j = job("a", 1, "QUEUED");
    expect(applyListed(j, listed("a", "RUNNING", { startedAt: "2025-01-01T00:00:01.000Z" }), 1000)).toBe(false);
    expect(j).toMatchObject({ status: "RUNNING", nodeName: "gpu-0", attempts: 1, startedAt: "2025-01-01T00:00:01.000Z" });
    expect(applyListed(j, listed("a", "FAILED", { attempt: 3, errorCode: "GPU_OOM", finishedAt: "2025-01-01T00:00:05.000Z" }), 5000)).toBe(true);
    expect(j).toMatchObject({ status: "FAILED", attempts: 3, errorCode: "GPU_OOM", seenTerminalAt: new Date(5000).toISOString() });
  });

  it("never moves a terminal job back (a stale answer after a newer one)", () => {
    const j = job("a", 1, "SUCCEEDED", { seenTerminalAt: "x" });
    expect(applyListed(j, listed("a", "RUNNING"), 9)).toBe(false);
    expect(j.status).toBe("SUCCEEDED");
  });
});

describe("countJobs", () => {
  it("counts upload errors as failed so done + failed reaches the total", () => {
    const c = countJobs([job("a", 1, "SUCCEEDED"), job("b", 1, "CANCELED"), job("c", 1, "MISSING"), job("d", 1, "PLACED")], 2);
    expect(c).toEqual({ submitted: 4, done: 1, failed: 4, pending: 1 });
  });
});

describe("summarizeDrive", () => {
  it("adds pages, rates, statuses and per-node counts", () => {
    const jobs = [
      job("a", 1, "SUCCEEDED", { nodeName: "gpu-0", finishedAt: "2025-01-01T00:00:08.000Z" }),
      job("b", 5, "SUCCEEDED", { nodeName: "gpu-1", finishedAt: "2025-01-01T00:00:09.500Z" }),
      job("c", 4, "FAILED", { nodeName: "gpu-1", finishedAt: "2025-01-01T00:00:03.000Z" }),
    ];
    const start = Date.parse("2025-01-01T00:00:00.000Z");
    const r = summarizeDrive({
      label: "x", files: [file("a", 1), file("b", 5), file("c", 4), file("d", 2)], jobs, uploadErrors: [{ name: "d", status: 413, body: "" }],
      startedAtMs: start, finishedAtMs: start + 10_000, uploadsDoneAtMs: start + 2_000, timedOut: false,
    });
    expect(r).toMatchObject({
      pages: 12, pagesCompleted: 6, wallS: 10, pagesPerS: 0.6, serverWallS: 9.5,
      startedAt: "2025-01-01T00:00:00.000Z", finishedAt: "2025-01-01T00:00:10.000Z", serverFinishedAt: "2025-01-01T00:00:09.500Z",
      uploadsDoneAt: "2025-01-01T00:00:02.000Z", statusCounts: { SUCCEEDED: 2, FAILED: 1 },
      byNode: { "gpu-0": { jobs: 1, pages: 1 }, "gpu-1": { jobs: 1, pages: 5 } },
    });
  });

  it("has no rate and no server time when nothing ran", () => {
    const r = summarizeDrive({ label: "x", files: [], jobs: [], uploadErrors: [], startedAtMs: 0, finishedAtMs: 0, uploadsDoneAtMs: null, timedOut: true });
    expect(r).toMatchObject({ pages: 0, pagesCompleted: 0, wallS: 0, pagesPerS: 0, serverFinishedAt: null, serverWallS: null, timedOut: true });
  });
});
