"use client";
// The jobs table: one server page of 25 at a time, filter and page in the URL, refreshed every 3 s.
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useEffect, useState } from "react";
import { StatusBadge } from "@/components/status-badge";
import { EmptyState, ErrorState, LoadingBlock } from "@/components/ui/states";
import { elapsedMs, formatDateTime, formatDurationMs, formatMiB } from "@/lib/format";
import { JOB_STATUSES, type TJobStatus } from "@/lib/job-status";
import { useTRPC } from "@/lib/trpc/react";

function href(status: TJobStatus | undefined, page: number): string {
  const q = new URLSearchParams();
  if (status) q.set("status", status);
  if (page > 1) q.set("page", String(page));
  const s = q.toString();
  return s ? `/jobs?${s}` : "/jobs";
}

/** Ticks every second so running jobs' durations move. */
function useNow(): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 1_000);
    return () => clearInterval(t);
  }, []);
  return now;
}

export function JobsTable({ page, status }: { page: number; status?: TJobStatus }) {
  const trpc = useTRPC();
  const now = useNow();
  const jobs = useQuery({ ...trpc.job.list.queryOptions({ page, status }), refetchInterval: 3_000, placeholderData: keepPreviousData });

  return (
    <div className="space-y-4">
      <nav aria-label="Filter by status" className="-mx-1 flex flex-wrap gap-1">
        {[undefined, ...JOB_STATUSES].map((s) => {
          const active = s === status;
          return (
            <Link
              key={s ?? "all"}
              href={href(s, 1)}
              aria-current={active ? "page" : undefined}
              className={`rounded-full px-3 py-1 text-xs font-medium ring-1 ring-inset ${
                active ? "bg-slate-900 text-white ring-slate-900" : "bg-white text-slate-600 ring-slate-300 hover:bg-slate-100"
              }`}
            >
              {s ? s.charAt(0) + s.slice(1).toLowerCase() : "All"}
            </Link>
          );
        })}
      </nav>

      {jobs.isPending ? (
        <LoadingBlock label="Loading jobs" />
      ) : jobs.isError && !jobs.data ? (
        <ErrorState title="Could not load jobs" message={jobs.error.message} onRetry={() => void jobs.refetch()} />
      ) : jobs.data.items.length === 0 && jobs.data.total > 0 ? (
        <EmptyState title={`There is no page ${page}`}>
          <Link href={href(status, 1)} className="font-medium text-indigo-700">Go to the first page</Link>
        </EmptyState>
      ) : jobs.data.items.length === 0 ? (
        <EmptyState title={status ? `No ${status.toLowerCase()} jobs` : "No jobs yet"}>
          {status ? <Link href="/jobs" className="font-medium text-indigo-700">Show all jobs</Link> : <Link href="/" className="font-medium text-indigo-700">Upload a file</Link>}
        </EmptyState>
      ) : (
        <>
          <div className="overflow-x-auto rounded-xl border border-slate-200 bg-white shadow-sm">
            <table className="min-w-full divide-y divide-slate-200 text-sm">
              <caption className="sr-only">Jobs, newest first</caption>
              <thead className="bg-slate-50 text-left text-xs font-semibold uppercase tracking-wide text-slate-500">
                <tr>
                  <th scope="col" className="px-4 py-3">File</th>
                  <th scope="col" className="px-4 py-3">Status</th>
                  <th scope="col" className="hidden px-4 py-3 md:table-cell">Node</th>
                  <th scope="col" className="hidden px-4 py-3 lg:table-cell">Created</th>
                  <th scope="col" className="hidden px-4 py-3 text-right sm:table-cell">Duration</th>
                  <th scope="col" className="hidden px-4 py-3 text-right md:table-cell">Peak MiB</th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100">
                {jobs.data.items.map((j) => {
                  const running = j.status === "RUNNING";
                  const duration = j.durationMs ?? (running ? elapsedMs(j.startedAt, null, now) : null);
                  return (
                    <tr key={j.id} className="hover:bg-slate-50">
                      <td className="max-w-64 px-4 py-3">
                        <Link href={`/jobs/${j.id}`} className="block truncate font-medium text-indigo-700 hover:text-indigo-500" title={j.fileName}>
                          {j.fileName}
                        </Link>
                        <span className="text-xs text-slate-500 lg:hidden">{formatDateTime(j.createdAt)}</span>
                      </td>
                      <td className="px-4 py-3">
                        <StatusBadge status={j.status} />
                        {j.status === "FAILED" && j.errorCode ? <span className="ml-2 font-mono text-xs text-red-700">{j.errorCode}</span> : null}
                        {j.status === "QUEUED" && j.unschedulableReason ? (
                          <span className="mt-1 block max-w-56 truncate text-xs text-amber-700" title={j.unschedulableReason}>{j.unschedulableReason}</span>
                        ) : null}
                      </td>
                      <td className="hidden px-4 py-3 text-slate-700 md:table-cell">{j.node?.name ?? "—"}</td>
                      <td className="hidden whitespace-nowrap px-4 py-3 text-slate-600 lg:table-cell">{formatDateTime(j.createdAt)}</td>
                      <td className="hidden whitespace-nowrap px-4 py-3 text-right tabular-nums text-slate-700 sm:table-cell">
                        {formatDurationMs(duration)}
                      </td>
                      <td className="hidden px-4 py-3 text-right tabular-nums text-slate-700 md:table-cell">
                        {j.observedPeakMiB?.toLocaleString("en-US") ?? "—"}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
          <Pager page={jobs.data.page} pageCount={jobs.data.pageCount} total={jobs.data.total} pageSize={jobs.data.pageSize} status={status} />
        </>
      )}
    </div>
  );
}

function Pager({ page, pageCount, total, pageSize, status }: { page: number; pageCount: number; total: number; pageSize: number; status?: TJobStatus }) {
  const first = (page - 1) * pageSize + 1;
  const last = Math.min(total, page * pageSize);
  const linkClass = "rounded-md px-3 py-1.5 text-sm font-medium ring-1 ring-inset ring-slate-300 bg-white hover:bg-slate-100";
  const disabledClass = "rounded-md px-3 py-1.5 text-sm font-medium text-slate-400 ring-1 ring-inset ring-slate-200";
  return (
    <nav aria-label="Pages" className="flex flex-wrap items-center justify-between gap-3 text-sm text-slate-600">
      <p>
        {total > 0 && first <= total ? `${first.toLocaleString("en-US")}–${last.toLocaleString("en-US")} of ${total.toLocaleString("en-US")}` : `${total} jobs`}
        <span className="text-slate-400"> · page {page} of {pageCount}</span>
      </p>
      <div className="flex gap-2">
        {page > 1 ? <Link href={href(status, page - 1)} className={linkClass} rel="prev">Previous</Link> : <span aria-disabled className={disabledClass}>Previous</span>}
        {page < pageCount ? <Link href={href(status, page + 1)} className={linkClass} rel="next">Next</Link> : <span aria-disabled className={disabledClass}>Next</span>}
      </div>
    </nav>
  );
}
