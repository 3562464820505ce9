// A job's status as a coloured badge. The text is the status itself (e.g. "SUCCEEDED").
import type { TJobStatus } from "@/lib/job-status";

const STYLE: Record<TJobStatus, string> = {
  QUEUED: "bg-slate-100 text-slate-700 ring-slate-300",
  PLACED: "bg-sky-50 text-sky-800 ring-sky-300",
  RUNNING: "bg-indigo-50 text-indigo-800 ring-indigo-300",
  SUCCEEDED: "bg-emerald-50 text-emerald-800 ring-emerald-300",
  FAILED: "bg-red-50 text-red-800 ring-red-300",
  CANCELED: "bg-amber-50 text-amber-800 ring-amber-300",
};

export function StatusBadge({ status, testId }: { status: TJobStatus; testId?: string }) {
  const live = status === "RUNNING" || status === "PLACED";
  return (
    <span
      data-testid={testId}
      className={`inline-flex items-center gap-1.5 rounded-full px-2 py-0.5 text-xs font-semibold tracking-wide ring-1 ring-inset ${STYLE[status]}`}
    >
      {live ? <span aria-hidden className="size-1.5 animate-pulse rounded-full bg-current" /> : null}
      {status}
    </span>
  );
}
