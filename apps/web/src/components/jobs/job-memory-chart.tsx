"use client";
// The job's node's memory from 30 s before placement to 30 s after the end, the job's peak marked.
import { useQuery } from "@tanstack/react-query";
import { MarkerList, MemoryChart } from "@/components/charts/memory-chart";
import { formatMiB } from "@/lib/format";
import { useTRPC } from "@/lib/trpc/react";

export function JobMemoryChart({ id, live }: { id: string; live: boolean }) {
  const trpc = useTRPC();
  const q = useQuery({ ...trpc.job.memory.queryOptions({ id }), refetchInterval: live ? 2_000 : false });
  if (q.isPending) return <div className="h-[200px] animate-pulse rounded bg-slate-50" />;
  if (q.isError) return <p role="alert" className="text-sm text-red-700">Could not load the memory curve: {q.error.message}</p>;
  const m = q.data;
  if (!m) return <p className="text-sm text-slate-500">The curve appears once the job is placed on a node.</p>;
  const total = Math.max(0, ...m.series.points.map((p) => p.totalMiB));
  return (
    <div className="space-y-1">
      <p className="text-xs text-slate-500">
        {m.nodeName} · peak {formatMiB(m.peak?.usedMiB)} · {m.series.points.length} points ({m.series.bucketMs < 1000 ? `${m.series.bucketMs} ms` : `${m.series.bucketMs / 1000} s`} buckets)
      </p>
      <MemoryChart
        series={m.series}
        totalMiB={total}
        peak={m.peak}
        band={m.startedAt !== null ? { fromMs: m.startedAt, toMs: m.finishedAt ?? m.series.toMs } : null}
        height={200}
        label={`${m.nodeName} memory during the job`}
        testId="job-memory-chart"
      />
      {m.series.points.length === 0 ? <p className="text-xs text-slate-500">No samples were stored for this window.</p> : null}
      <MarkerList markers={m.series.markers} />
    </div>
  );
}
