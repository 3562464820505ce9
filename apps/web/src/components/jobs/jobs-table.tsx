"use client";
// The job history: one server page at a time, with search, filters and sort, all in the URL so a
// view can be shared; refreshed every 2 s so statuses move without a reload.
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter, useSearchParams } from "next/navigation";
import { useCallback, useEffect, useMemo, useState } from "react";
import { StatusBadge } from "@/components/status-badge";
import { EmptyState, ErrorState, LoadingBlock } from "@/components/ui/states";
import { elapsedMs, formatDateTime, formatDurationMs } from "@/lib/format";
import { jobsHref, parseJobFilters, type TJobFilters } from "@/lib/job-filters";
import { useTRPC } from "@/lib/trpc/react";
import { JobFiltersBar } from "./job-filters-bar";

const REFRESH_MS = 2_000;

/** Ticks every second so running jobs' durations move. */
function useNow(): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 1_000);
    return () => clearInterval(t);
  }, []);
  return now;
}

export function JobsTable() {
  const trpc = useTRPC();
  const router = useRouter();
  const params = useSearchParams();
  const filters = useMemo(() => parseJobFilters(params), [params]);
  const now = useNow();
  const jobs = useQuery({ ...trpc.job.list.queryOptions(filters), refetchInterval: REFRESH_MS, placeholderData: keepPreviousData });

  /** A new filter or sort starts again at page 1; only the pager keeps its page. */
  const update = useCallback(
    (patch: Partial<TJobFilters>) => {
      const next = { ...filters, page: 1, ...patch };
      const href = jobsHref(next);
      if (href !== jobsHref(filters)) router.replace(href, { scroll: false });
    },
    [filters, router],
  );

  const filtered = Boolean(filters.q || filters.status || filters.nodeId || filters.type || filters.from || filters.to);
  return (
    <div className="space-y-4">
      <JobFiltersBar filters={filters} onChange={update} />

      {jobs.isPending ? (
        <LoadingBlock label="Loading jobs" />
      ) : jobs.isError && !jobs.data ? (
        <ErrorState title="Could not load jobs" message={jobs.error.message} onRetry={() => void jobs.refetch()} />
      ) : jobs.data.items.length === 0 && jobs.data.total > 0 ? (
        <EmptyState title={`There is no page ${filters.page}`}>
          <Link href={jobsHref({ ...filters, page: 1 })} className="font-medium text-indigo-700">Go to the first page</Link>
        </EmptyState>
      ) : jobs.data.items.length === 0 ? (
        <EmptyState title={filtered ? "No jobs match these filters" : "No jobs yet"}>
          {filtered ? <Link href="/jobs" className="font-medium text-indigo-700">Show all jobs</Link> : <Link href="/" className="font-medium text-indigo-700">Upload a file</Link>}
        </EmptyState>
      ) : (
        <>
          <div className={`overflow-x-auto rounded-xl border border-slate-200 bg-white shadow-sm transition-opacity ${jobs.isPlaceholderData ? "opacity-60" : ""}`}>
            <table className="min-w-full divide-y divide-slate-200 text-sm" data-testid="jobs-table">
              <caption className="sr-only">Jobs</caption>
              <thead className="bg-slate-50 text-left text-xs font-semibold uppercase tracking-wide text-slate-500">
                <tr>
                  <th scope="col" className="px-4 py-3">File</th>
                  <th scope="col" className="px-4 py-3">Status</th>
                  <th scope="col" className="hidden px-4 py-3 md:table-cell">Node</th>
                  <SortHeader label="Created" sort="created" filters={filters} onSort={update} className="hidden lg:table-cell" />
                  <SortHeader label="Duration" sort="duration" filters={filters} onSort={update} className="hidden text-right sm:table-cell" />
                  <SortHeader label="Peak MiB" sort="peak" filters={filters} onSort={update} className="hidden text-right md:table-cell" />
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
                        <span className="text-xs text-slate-500">
                          {j.mimeType === "application/pdf" ? `PDF · ${j.pages} page${j.pages === 1 ? "" : "s"}` : j.mimeType.replace(/^image\//, "").toUpperCase()}
                          <span className="lg:hidden"> · {formatDateTime(j.createdAt)}</span>
                        </span>
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
                      <td className="hidden whitespace-nowrap px-4 py-3 text-right tabular-nums text-slate-700 sm:table-cell">{formatDurationMs(duration)}</td>
                      <td className="hidden px-4 py-3 text-right tabular-nums text-slate-700 md:table-cell">{j.observedPeakMiB?.toLocaleString("en-US") ?? "—"}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
          <Pager page={jobs.data.page} pageCount={jobs.data.pageCount} total={jobs.data.total} totalCapped={jobs.data.totalCapped} pageSize={jobs.data.pageSize} filters={filters} />
        </>
      )}
    </div>
  );
}

function SortHeader({ label, sort, filters, onSort, className }: {
  label: string; sort: TJobFilters["sort"]; filters: TJobFilters; onSort: (p: Partial<TJobFilters>) => void; className: string;
}) {
  const active = filters.sort === sort;
  // A first click sorts the biggest/newest first; a second click flips it.
  const nextDir = active && filters.dir === "desc" ? "asc" : "desc";
  return (
    <th scope="col" className={`px-4 py-3 ${className}`} aria-sort={active ? (filters.dir === "asc" ? "ascending" : "descending") : "none"}>
      <button type="button" onClick={() => onSort({ sort, dir: nextDir })} className={`inline-flex items-center gap-1 uppercase tracking-wide hover:text-slate-900 ${active ? "text-slate-900" : ""}`}>
        {label}
        <span aria-hidden className="text-[10px]">{active ? (filters.dir === "asc" ? "▲" : "▼") : "↕"}</span>
        <span className="sr-only">, sort {nextDir === "asc" ? "ascending" : "descending"}</span>
      </button>
    </th>
  );
}

/**
 * A broad search is counted only up to a cap (`totalCapped`): then `total` and `pageCount` are lower
 * bounds, shown as "10,000+", Next stays available and there is no Last page to link to.
 */
function Pager({ page, pageCount, total, totalCapped, pageSize, filters }: {
  page: number; pageCount: number; total: number; totalCapped: boolean; pageSize: number; filters: TJobFilters;
}) {
  const first = (page - 1) * pageSize + 1;
  const last = Math.min(total, page * pageSize);
  const more = totalCapped ? "+" : "";
  const hasNext = page < pageCount || totalCapped;
  const linkClass = "rounded-md px-3 py-1.5 text-sm font-medium ring-1 ring-inset ring-slate-300 bg-white hover:bg-slate-100";
  const disabledClass = "rounded-md px-3 py-1.5 text-sm font-medium text-slate-400 ring-1 ring-inset ring-slate-200";
  return (
    <nav aria-label="Pages" className="flex flex-wrap items-center justify-between gap-3 text-sm text-slate-600">
      <p title={totalCapped ? `More than ${total.toLocaleString("en-US")} jobs match; a search counts no further` : undefined}>
        {total > 0 && first <= total ? `${first.toLocaleString("en-US")}–${last.toLocaleString("en-US")} of ${total.toLocaleString("en-US")}${more}` : `${total} jobs`}
        <span className="text-slate-400"> · page {page.toLocaleString("en-US")} of {pageCount.toLocaleString("en-US")}{more}</span>
      </p>
      <div className="flex gap-2">
        {page > 1 ? <Link href={jobsHref({ ...filters, page: 1 })} className={linkClass}>First</Link> : null}
        {page > 1 ? <Link href={jobsHref({ ...filters, page: page - 1 })} className={linkClass} rel="prev">Previous</Link> : <span aria-disabled className={disabledClass}>Previous</span>}
        {hasNext ? <Link href={jobsHref({ ...filters, page: page + 1 })} className={linkClass} rel="next">Next</Link> : <span aria-disabled className={disabledClass}>Next</span>}
        {page < pageCount && !totalCapped ? <Link href={jobsHref({ ...filters, page: pageCount })} className={linkClass}>Last</Link> : null}
      </div>
    </nav>
  );
}
