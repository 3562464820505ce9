"use client";
// The history's filters: search, status, node, type and a created-date range. Every change goes
// straight into the URL (the caller's `onChange`), so a view is a link; the search box waits for a
// pause in typing.
import { useQuery } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import type { TJobFilters } from "@/lib/job-filters";
import { JOB_STATUSES } from "@/lib/job-status";
import { useTRPC } from "@/lib/trpc/react";

const SEARCH_DEBOUNCE_MS = 300;

const fieldClass = "rounded-md border border-slate-300 bg-white px-2.5 py-1.5 text-sm text-slate-900 shadow-sm focus:border-indigo-500 focus:outline-none focus:ring-1 focus:ring-indigo-500";
const labelClass = "flex flex-col gap-1 text-xs font-medium text-slate-600";

export function JobFiltersBar({ filters, onChange }: { filters: TJobFilters; onChange: (patch: Partial<TJobFilters>) => void }) {
  const trpc = useTRPC();
  const nodes = useQuery({ ...trpc.node.list.queryOptions(), staleTime: 30_000 });
  const [q, setQ] = useState(filters.q ?? "");

  // Follow the URL when it changes from elsewhere (back button, a shared link, "Clear").
  useEffect(() => setQ(filters.q ?? ""), [filters.q]);
  useEffect(() => {
    if (q.trim() === (filters.q ?? "")) return;
    const t = setTimeout(() => onChange({ q: q.trim() || undefined }), SEARCH_DEBOUNCE_MS);
    return () => clearTimeout(t);
  }, [q, filters.q, onChange]);

  const active = Boolean(filters.q || filters.status || filters.nodeId || filters.type || filters.from || filters.to);
  return (
    <form role="search" aria-label="Filter jobs" className="flex flex-wrap items-end gap-3" onSubmit={(e) => { e.preventDefault(); onChange({ q: q.trim() || undefined }); }}>
      <label className={`${labelClass} min-w-56 flex-1`}>
        Search
        <input
          type="search" value={q} onChange={(e) => setQ(e.target.value)} placeholder="Words in the text or file name"
          className={fieldClass} aria-describedby="search-help"
        />
        <span id="search-help" className="sr-only">Matches whole words of the recognised text or file name, or part of a file name. Use quotes for a phrase and a minus sign to exclude a word.</span>
      </label>
      <label className={labelClass}>
        Status
        <select className={fieldClass} value={filters.status ?? ""} onChange={(e) => onChange({ status: (e.target.value || undefined) as TJobFilters["status"] })}>
          <option value="">All</option>
          {JOB_STATUSES.map((s) => <option key={s} value={s}>{s.charAt(0) + s.slice(1).toLowerCase()}</option>)}
        </select>
      </label>
      <label className={labelClass}>
        Node
        <select className={fieldClass} value={filters.nodeId ?? ""} onChange={(e) => onChange({ nodeId: e.target.value || undefined })}>
          <option value="">All</option>
          {nodes.data?.nodes.map((n) => <option key={n.id} value={n.id}>{n.name}</option>)}
          {filters.nodeId && nodes.data && !nodes.data.nodes.some((n) => n.id === filters.nodeId) ? <option value={filters.nodeId}>unknown node</option> : null}
        </select>
      </label>
      <label className={labelClass}>
        Type
        <select className={fieldClass} value={filters.type ?? ""} onChange={(e) => onChange({ type: (e.target.value || undefined) as TJobFilters["type"] })}>
          <option value="">All</option>
          <option value="image">Images</option>
          <option value="pdf">PDFs</option>
        </select>
      </label>
      <label className={labelClass}>
        Created from (UTC)
        <input type="date" className={fieldClass} value={filters.from ?? ""} max={filters.to} onChange={(e) => onChange({ from: e.target.value || undefined })} />
      </label>
      <label className={labelClass}>
        to
        <input type="date" className={fieldClass} value={filters.to ?? ""} min={filters.from} onChange={(e) => onChange({ to: e.target.value || undefined })} />
      </label>
      {active ? (
        <button
          type="button"
          onClick={() => { setQ(""); onChange({ q: undefined, status: undefined, nodeId: undefined, type: undefined, from: undefined, to: undefined }); }}
          className="rounded-md px-3 py-1.5 text-sm font-medium text-indigo-700 hover:bg-indigo-50"
        >
          Clear filters
        </button>
      ) : null}
    </form>
  );
}
