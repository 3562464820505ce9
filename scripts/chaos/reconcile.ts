// The end of a campaign: every submitted job checked against the database, by the phase (fault)
// it was submitted in. Pure: the caller reads the rows; this counts. A job accepted by the API that
// the database does not have, or that has not finished when the campaign has drained, is lost; a
// job with more than one `completed` event was completed twice.
import type { TSubmission } from "./load.ts";
import type { TFault } from "./options.ts";

export type TInjection = {
  fault: TFault;
  index: number;
  /** Which form of the fault: "fast stop", "kill -9 of the postmaster", "one of two replicas", ... */
  variant: string;
  at: number;
  /** False when the script could not inject it (no job running in time, a command failed): never counted as survived. */
  injected: boolean;
  note: string;
  /** The job the fault hit, when it hit one. */
  victimJobId: string | null;
  /** Fault-specific checks that failed (e.g. "answer was 500, not 507"); empty when all held. */
  failedChecks: string[];
};

export type TPhase = { fault: TFault; startedAt: number; endedAt: number; injections: TInjection[] };

export type TJobRow = {
  id: string;
  idempotencyKey: string | null;
  status: string;
  errorCode: string | null;
  createdAt: number;
  /** When its last attempt started running. */
  startedAt: number | null;
  finishedAt: number | null;
  /** `completed` events of the job, whatever their attempt or node. */
  completedEvents: number;
  storageKey: string;
};

export type TPhaseTally = {
  fault: TFault;
  tried: number;
  injected: number;
  notInjected: { index: number; variant: string; note: string }[];
  checkFailures: { index: number; variant: string; checks: string[] }[];
  variants: Record<string, number>;
  submitted: number;
  accepted: number;
  gaveUp: number;
  succeeded: number;
  failedByCode: Record<string, number>;
  canceled: number;
  lost: string[];
  completedTwice: string[];
  /** Per injected fault: ms from the injection to recovery (its victim finished, else the first job that started after it succeeded); null if neither happened. */
  recoveryMs: (number | null)[];
};

export type TReconciliation = {
  phases: TPhaseTally[];
  totals: Omit<TPhaseTally, "fault" | "notInjected" | "checkFailures" | "variants" | "recoveryMs">;
  /** Jobs in the database from this campaign that no client was told about (an answer lost in a fault). */
  jobsUnknownToClient: string[];
  filesWithoutJob: string[];
  jobsWithoutFile: string[];
  tempFilesLeft: string[];
};

const TERMINAL = new Set(["SUCCEEDED", "FAILED", "CANCELED"]);

function recoveryFor(inj: TInjection, jobs: readonly TJobRow[], byId: Map<string, TJobRow>): number | null {
  if (inj.victimJobId) {
    const v = byId.get(inj.victimJobId);
    return v && v.finishedAt !== null && TERMINAL.has(v.status) ? Math.max(0, v.finishedAt - inj.at) : null;
  }
  // Not the first job submitted after the fault: that one may wait behind a queue. A job that
  // started running after the fault and succeeded shows the whole path (claim, start, run,
  // complete) works again.
  let first: number | null = null;
  for (const j of jobs) {
    if (j.startedAt !== null && j.startedAt >= inj.at && j.status === "SUCCEEDED" && j.finishedAt !== null && (first === null || j.finishedAt < first)) first = j.finishedAt;
  }
  return first === null ? null : first - inj.at;
}

/** Which phase a submission belongs to: the one whose window holds its first try (the last phase keeps the tail). */
function phaseIndexOf(phases: readonly TPhase[], at: number): number {
  for (let i = phases.length - 1; i >= 0; i--) if (at >= phases[i]!.startedAt) return i;
  return 0;
}

export function reconcile(phases: readonly TPhase[], submissions: readonly TSubmission[], jobs: readonly TJobRow[], uploadFiles: readonly string[]): TReconciliation {
  const byId = new Map(jobs.map((j) => [j.id, j]));
  const tallies: TPhaseTally[] = phases.map((p) => ({
    fault: p.fault,
    tried: p.injections.length,
    injected: p.injections.filter((i) => i.injected).length,
    notInjected: p.injections.filter((i) => !i.injected).map((i) => ({ index: i.index, variant: i.variant, note: i.note })),
    // A try that did not inject is reported with its note; its checks judged a fault that did not happen.
    checkFailures: p.injections.filter((i) => i.injected && i.failedChecks.length > 0).map((i) => ({ index: i.index, variant: i.variant, checks: i.failedChecks })),
    variants: p.injections.filter((i) => i.injected).reduce<Record<string, number>>((m, i) => ((m[i.variant] = (m[i.variant] ?? 0) + 1), m), {}),
    submitted: 0,
    accepted: 0,
    gaveUp: 0,
    succeeded: 0,
    failedByCode: {},
    canceled: 0,
    lost: [],
    completedTwice: [],
    recoveryMs: p.injections.filter((i) => i.injected).map((i) => recoveryFor(i, jobs, byId)),
  }));
  const known = new Set<string>();
  for (const s of submissions) {
    if (phases.length === 0) break;
    const t = tallies[phaseIndexOf(phases, s.firstTryAt)]!;
    t.submitted++;
    if (s.jobId === null) {
      if (s.gaveUp !== null) t.gaveUp++;
      continue;
    }
    known.add(s.jobId);
    t.accepted++;
    const j = byId.get(s.jobId);
    if (!j || !TERMINAL.has(j.status)) {
      t.lost.push(s.jobId);
      continue;
    }
    if (j.completedEvents > 1) t.completedTwice.push(j.id);
    if (j.status === "SUCCEEDED") t.succeeded++;
    else if (j.status === "CANCELED") t.canceled++;
    else t.failedByCode[j.errorCode ?? "NONE"] = (t.failedByCode[j.errorCode ?? "NONE"] ?? 0) + 1;
  }
  const totals: TReconciliation["totals"] = { tried: 0, injected: 0, submitted: 0, accepted: 0, gaveUp: 0, succeeded: 0, failedByCode: {}, canceled: 0, lost: [], completedTwice: [] };
  for (const t of tallies) {
    totals.tried += t.tried;
    totals.injected += t.injected;
    totals.submitted += t.submitted;
    totals.accepted += t.accepted;
    totals.gaveUp += t.gaveUp;
    totals.succeeded += t.succeeded;
    totals.canceled += t.canceled;
    totals.lost.push(...t.lost);
    totals.completedTwice.push(...t.completedTwice);
    for (const [c, n] of Object.entries(t.failedByCode)) totals.failedByCode[c] = (totals.failedByCode[c] ?? 0) + n;
  }
  const keys = new Set(jobs.map((j) => j.storageKey));
  const files = new Set(uploadFiles);
  return {
    phases: tallies,
    totals,
    jobsUnknownToClient: jobs.filter((j) => !known.has(j.id)).map((j) => j.id),
    filesWithoutJob: uploadFiles.filter((f) => !f.startsWith(".") && !keys.has(f)),
    jobsWithoutFile: jobs.filter((j) => !files.has(j.storageKey)).map((j) => j.id),
    tempFilesLeft: uploadFiles.filter((f) => f.endsWith(".tmp")),
  };
}

/** Median and largest of the known values, in ms; null when there are none. */
export function summary(values: readonly (number | null)[]): { p50: number; max: number; known: number } | null {
  const v = values.filter((x): x is number => x !== null).sort((a, b) => a - b);
  if (v.length === 0) return null;
  return { p50: v[Math.floor((v.length - 1) / 2)]!, max: v[v.length - 1]!, known: v.length };
}
