// The driver's pure parts: folding what the API says about a job into our record of it, and the
// numbers of a run. No I/O, so they are tested without a fleet.
import { TERMINAL_STATUSES, type TDriveJob, type TDriveResult, type TUploadError, type TWorkloadFile } from "./types.ts";

/** One job as GET /api/v1/jobs lists it (apps/web/src/server/jobs/list-jobs.types.ts), the fields we read. */
export type TListedJob = {
  id: string;
  status: string;
  attempt: number;
  node: { id: string; name: string } | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  errorCode: string | null;
};

export type TJobList = { items: TListedJob[]; total: number; page: number; pageSize: number; pageCount: number };

/** GET /api/v1/jobs/:id (apps/web/src/server/jobs/job-view.ts), the fields we read, as a list item. */
export function listedFromView(v: {
  id: string; status: string; attempt: number; node: { id: string; name: string } | null;
  timings: { createdAt: string; startedAt: string | null; finishedAt: string | null }; error: { code: string } | null;
}): TListedJob {
  return {
    id: v.id, status: v.status, attempt: v.attempt, node: v.node, createdAt: v.timings.createdAt,
    startedAt: v.timings.startedAt, finishedAt: v.timings.finishedAt, errorCode: v.error?.code ?? null,
  };
}

export const isTerminal = (status: string) => TERMINAL_STATUSES.has(status);

/** Updates `job` from the API's view of it, seen at `seenAtMs`; true when this made it terminal. */
export function applyListed(job: TDriveJob, item: TListedJob, seenAtMs: number): boolean {
  // A terminal status never changes (apps/web/src/lib/job-status.ts), so a late or stale answer cannot undo it.
  if (isTerminal(job.status)) return false;
  job.status = item.status;
  job.attempts = item.attempt;
  if (item.node) job.nodeName = item.node.name;
  job.createdAt = item.createdAt;
  if (item.startedAt) job.startedAt = item.startedAt;
  if (item.finishedAt) job.finishedAt = item.finishedAt;
  if (item.errorCode) job.errorCode = item.errorCode;
  if (!isTerminal(job.status)) return false;
  job.seenTerminalAt = new Date(seenAtMs).toISOString();
  return true;
}

export type TDriveCounts = { submitted: number; done: number; failed: number; pending: number };

/** `failed` counts upload errors too, so done + failed reaches the number of files at the end. */
export function countJobs(jobs: Iterable<TDriveJob>, uploadErrors: number): TDriveCounts {
  const c = { submitted: 0, done: 0, failed: uploadErrors, pending: 0 };
  for (const j of jobs) {
    c.submitted++;
    if (j.status === "SUCCEEDED") c.done++;
    else if (isTerminal(j.status)) c.failed++;
    else c.pending++;
  }
  return c;
}

const round3 = (n: number) => Math.round(n * 1000) / 1000;

export function summarizeDrive(i: {
  label: string; files: readonly TWorkloadFile[]; jobs: TDriveJob[]; uploadErrors: TUploadError[];
  startedAtMs: number; finishedAtMs: number; uploadsDoneAtMs: number | null; timedOut: boolean;
}): TDriveResult {
  const statusCounts: Record<string, number> = {};
  const byNode: Record<string, { jobs: number; pages: number }> = {};
  let pagesCompleted = 0;
  let serverFinishedMs: number | null = null;
  for (const j of i.jobs) {
    statusCounts[j.status] = (statusCounts[j.status] ?? 0) + 1;
    if (j.finishedAt) serverFinishedMs = Math.max(serverFinishedMs ?? 0, Date.parse(j.finishedAt));
    if (j.status !== "SUCCEEDED") continue;
    pagesCompleted += j.pages;
    const n = (byNode[j.nodeName ?? "?"] ??= { jobs: 0, pages: 0 });
    n.jobs++;
    n.pages += j.pages;
  }
  const wallS = Math.max(0, (i.finishedAtMs - i.startedAtMs) / 1000);
  return {
    label: i.label,
    startedAt: new Date(i.startedAtMs).toISOString(),
    finishedAt: new Date(i.finishedAtMs).toISOString(),
    serverFinishedAt: serverFinishedMs === null ? null : new Date(serverFinishedMs).toISOString(),
    uploadsDoneAt: i.uploadsDoneAtMs === null ? null : new Date(i.uploadsDoneAtMs).toISOString(),
    timedOut: i.timedOut,
    jobs: i.jobs,
    uploadErrors: i.uploadErrors,
    pages: i.files.reduce((n, f) => n + f.pages, 0),
    pagesCompleted,
    wallS: round3(wallS),
    pagesPerS: wallS > 0 ? round3(pagesCompleted / wallS) : 0,
    serverWallS: serverFinishedMs === null ? null : round3((serverFinishedMs - i.startedAtMs) / 1000),
    statusCounts,
    byNode,
  };
}
