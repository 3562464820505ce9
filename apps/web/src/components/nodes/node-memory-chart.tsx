"use client";
// One node's memory chart with its range picker. "Live" (last 2 min) and 15 min refresh every 2 s;
// longer ranges, whose buckets are minutes wide, less often.
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { MarkerList, MemoryChart } from "@/components/charts/memory-chart";
import { MEMORY_RANGES, thresholdLines, type TMemoryRange } from "@/lib/memory-buckets";
import type { TNodeListItem } from "@/lib/trpc/types";
import { useTRPC } from "@/lib/trpc/react";

const REFRESH_MS: Record<TMemoryRange, number> = { live: 2_000, "15m": 2_000, "1h": 10_000, "24h": 60_000, "7d": 60_000 };
const RANGE_LABEL: Record<TMemoryRange, string> = { live: "Live", "15m": "15 min", "1h": "1 h", "24h": "24 h", "7d": "7 d" };

export function NodeMemoryChart({ node }: { node: TNodeListItem }) {
  const trpc = useTRPC();
  const [range, setRange] = useState<TMemoryRange>("live");
  const series = useQuery({
    ...trpc.node.memory.queryOptions({ nodeId: node.id, range }),
    refetchInterval: REFRESH_MS[range],
    placeholderData: keepPreviousData,
  });
  return (
    <div className="space-y-1.5">
      <div className="flex items-center justify-between gap-2">
        <span className="text-xs font-semibold uppercase tracking-wide text-slate-500">Memory over time</span>
        <div role="group" aria-label={`${node.name} chart range`} className="flex gap-0.5 rounded-md bg-slate-100 p-0.5">
          {MEMORY_RANGES.map((r) => (
            <button
              key={r} type="button" aria-pressed={r === range} onClick={() => setRange(r)}
              className={`rounded px-1.5 py-0.5 text-[11px] font-medium ${r === range ? "bg-white text-slate-900 shadow-sm" : "text-slate-600 hover:text-slate-900"}`}
            >
              {RANGE_LABEL[r]}
            </button>
          ))}
        </div>
      </div>
      {series.data ? (
        <>
          <MemoryChart
            series={series.data}
            totalMiB={node.memory.totalMiB}
            lines={node.memory.totalMiB > 0 ? thresholdLines(node.thresholds, node.memory.totalMiB) : []}
            label={`${node.name} memory, ${RANGE_LABEL[range].toLowerCase()}`}
            testId={`memory-chart-${node.name}`}
          />
          {series.data.points.length === 0 ? <p className="text-xs text-slate-500">No samples in this range.</p> : null}
          <MarkerList markers={series.data.markers} />
        </>
      ) : series.isError ? (
        <p role="alert" className="text-xs text-red-700">Could not load the chart: {series.error.message}</p>
      ) : (
        <div className="h-[180px] animate-pulse rounded bg-slate-50" />
      )}
    </div>
  );
}
