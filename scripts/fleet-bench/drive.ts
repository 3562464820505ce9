// Offers a whole workload to a Headroom control plane at once and waits for every job: uploads run
// a few at a time, as fast as the API takes them, while a poller follows the jobs to a terminal status.
import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import { apiErrorFrom, apiJson, ApiError } from "./api.ts";
import { applyListed, countJobs, isTerminal, listedFromView, summarizeDrive, type TJobList } from "./drive-state.ts";
import type { TDriveJob, TDriveProgress, TDriveResult, TUploadError, TWorkload, TWorkloadFile } from "./types.ts";
import { mapLimit, sleep } from "./util.ts";

export type TDriveOptions = {
  baseUrl: string;
  apiKey: string;
  files: TWorkload["files"];
  /** Uploads in flight at once; default 4. */
  uploadConcurrency?: number;
  /** Between two polls, in ms; default 1000. */
  pollMs?: number;
  /** From just before the first upload until the driver gives up on unfinished jobs, in ms. */
  timeoutMs: number;
  label: string;
  log?: (s: string) => void;
  onProgress?: (p: TDriveProgress) => void;
};

/** The largest page GET /api/v1/jobs serves (apps/web/src/lib/job-filters.ts). */
const LIST_PAGE_SIZE = 100;
const UPLOAD_TIMEOUT_MS = 120_000;
const UPLOAD_RETRIES = 3;
/** Worth another try with the same idempotency key; anything else 4xx is the file's fault. */
const RETRYABLE = new Set([408, 429, 500, 502, 503, 504]);
const LOG_EVERY_MS = 5_000;

const mimeFor = (f: TWorkloadFile) => (f.name.toLowerCase().endsWith(".pdf") ? "application/pdf" : f.name.toLowerCase().endsWith(".png") ? "image/png" : "image/jpeg");

export async function driveWorkload(opts: TDriveOptions): Promise<TDriveResult> {
  const log = opts.log ?? (() => {});
  const pollMs = opts.pollMs ?? 1000;
  const jobs = new Map<string, TDriveJob>();
  const uploadErrors: TUploadError[] = [];
  // Idempotency keys make a retried upload safe, and the run id keeps two runs of a label apart.
  const runId = randomUUID().slice(0, 8);
  const startedAtMs = Date.now();
  const deadlineMs = startedAtMs + opts.timeoutMs;
  // The list is filtered to jobs created since this UTC day; 10 min earlier allows for clock skew.
  const fromDay = new Date(startedAtMs - 10 * 60_000).toISOString().slice(0, 10);
  let stopUploads = false;
  let uploadsDoneAtMs: number | null = null;
  let lastTerminalSeenMs: number | null = null;

  async function uploadOne(file: TWorkloadFile, index: number): Promise<void> {
    if (stopUploads) {
      uploadErrors.push({ name: file.name, status: 0, body: "not submitted: the run timed out" });
      return;
    }
    let bytes: Buffer;
    try {
      bytes = await readFile(file.path);
    } catch (e) {
      uploadErrors.push({ name: file.name, status: 0, body: `read failed: ${String(e)}` });
      return;
    }
    const key = `fleet-bench:${opts.label.slice(0, 60)}:${runId}:${index}:${file.name}`.slice(0, 200);
    for (let attempt = 0; ; attempt++) {
      const last = attempt >= UPLOAD_RETRIES || Date.now() >= deadlineMs;
      let status = 0;
      let body = "";
      try {
        const form = new FormData();
        form.append("file", new Blob([bytes], { type: mimeFor(file) }), file.name);
        form.append("idempotencyKey", key);
        const res = await fetch(new URL("/api/v1/jobs", opts.baseUrl), {
          method: "POST", headers: { authorization: `Bearer ${opts.apiKey}` }, body: form, signal: AbortSignal.timeout(UPLOAD_TIMEOUT_MS),
        });
        status = res.status;
        body = await res.text();
        if (res.ok) {
          const created = (JSON.parse(body) as { jobs: { id: string; status: string }[] }).jobs[0];
          if (!created) throw new Error(`no job in the answer: ${body.slice(0, 200)}`);
          jobs.set(created.id, { id: created.id, name: file.name, kind: file.kind, pages: file.pages, status: created.status });
          return;
        }
      } catch (e) {
        body = String(e);
      }
      if (last || (status !== 0 && !RETRYABLE.has(status))) {
        uploadErrors.push({ name: file.name, status, body: body.slice(0, 2000) });
        log(`${opts.label}: upload of ${file.name} failed: ${apiErrorFrom("POST /api/v1/jobs", status, body).message}`);
        return;
      }
      await sleep(500 * 2 ** attempt);
    }
  }

  // Where our oldest unfinished job was last seen in the created-ascending list. New jobs only ever
  // append to that order, so the pages before it need not be read again.
  let startPage = 1;
  async function pollOnce(): Promise<void> {
    const pendingBefore = [...jobs.values()].filter((j) => !isTerminal(j.status)).map((j) => j.id);
    if (pendingBefore.length === 0) return;
    const seen = new Set<string>();
    let firstPendingPage: number | null = null;
    let page = startPage;
    for (;;) {
      const q = new URLSearchParams({ sort: "created", dir: "asc", pageSize: String(LIST_PAGE_SIZE), from: fromDay, page: String(page) });
      const list = await apiJson<TJobList>(opts.baseUrl, opts.apiKey, `/api/v1/jobs?${q}`);
      const nowMs = Date.now();
      for (const item of list.items) {
        const job = jobs.get(item.id);
        if (!job) continue;
        seen.add(item.id);
        if (applyListed(job, item, nowMs)) lastTerminalSeenMs = nowMs;
        if (!isTerminal(job.status)) firstPendingPage ??= page;
      }
      if (list.items.length < LIST_PAGE_SIZE || page >= list.pageCount) break;
      page++;
    }
    const missed = pendingBefore.filter((id) => !seen.has(id));
    if (missed.length > 0 && startPage > 1) {
      // Older jobs were deleted and the offsets moved, or the hint was wrong: read from the start next time.
      startPage = 1;
    } else if (missed.length > 0) {
      // Not in the list at all (created under another UTC day by a skewed clock, or deleted): ask each one.
      await mapLimit(missed, 8, lookUp);
    } else {
      startPage = firstPendingPage ?? page;
    }
  }

  async function lookUp(id: string): Promise<void> {
    const job = jobs.get(id)!;
    try {
      const view = await apiJson<Parameters<typeof listedFromView>[0]>(opts.baseUrl, opts.apiKey, `/api/v1/jobs/${id}`);
      if (applyListed(job, listedFromView(view), Date.now())) lastTerminalSeenMs = Date.now();
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) {
        job.status = "MISSING";
        job.errorCode = "NOT_FOUND";
        job.seenTerminalAt = new Date().toISOString();
        lastTerminalSeenMs = Date.now();
      } else log(`${opts.label}: look-up of job ${id} failed: ${String(e)}`);
    }
  }

  const uploads = mapLimit(opts.files, opts.uploadConcurrency ?? 4, uploadOne).then(() => {
    uploadsDoneAtMs = Date.now();
  });
  let timedOut = false;
  let lastLogMs = 0;
  for (;;) {
    await sleep(Math.min(pollMs, deadlineMs - Date.now()));
    try {
      await pollOnce();
    } catch (e) {
      // A failed poll is retried on the next tick; the jobs are still ours.
      log(`${opts.label}: poll failed: ${String(e)}`);
    }
    const c = countJobs(jobs.values(), uploadErrors.length);
    opts.onProgress?.({ submitted: c.submitted, done: c.done, failed: c.failed, total: opts.files.length });
    const finished = uploadsDoneAtMs !== null && c.pending === 0;
    if (finished || Date.now() - lastLogMs >= LOG_EVERY_MS) {
      lastLogMs = Date.now();
      log(`${opts.label}: ${c.submitted}/${opts.files.length} submitted, ${c.done} done, ${c.failed} failed, ${c.pending} pending`);
    }
    if (finished) break;
    if (Date.now() >= deadlineMs) {
      timedOut = true;
      stopUploads = true;
      log(`${opts.label}: timed out after ${opts.timeoutMs} ms with ${c.pending} jobs unfinished`);
      break;
    }
  }
  await uploads;
  const finishedAtMs = timedOut ? Date.now() : (lastTerminalSeenMs ?? uploadsDoneAtMs ?? Date.now());
  return summarizeDrive({ label: opts.label, files: opts.files, jobs: [...jobs.values()], uploadErrors, startedAtMs, finishedAtMs, uploadsDoneAtMs, timedOut });
}
