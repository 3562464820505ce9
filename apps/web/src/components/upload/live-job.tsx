"use client";
// A job just created from the upload page: its status, polled every second until it settles,
// then its recognised text or its error.
import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { OcrText } from "@/components/ocr-text";
import { StatusBadge } from "@/components/status-badge";
import { isTerminal, ZJobStatusSchema } from "@/lib/job-status";
import { formatDurationMs, formatMiB } from "@/lib/format";
import { useTRPC } from "@/lib/trpc/react";

/** `initialStatus` is what the upload answered, shown until the first poll returns. */
export function LiveJob({ id, initialStatus }: { id: string; initialStatus?: string }) {
  const trpc = useTRPC();
  const job = useQuery({
    ...trpc.job.byId.queryOptions({ id }),
    refetchInterval: (query) => (query.state.data && isTerminal(query.state.data.status) ? false : 1_000),
    // Keep polling through a transient failure; the last good answer stays on screen.
    refetchIntervalInBackground: true,
  });

  if (job.isPending) {
    const status = ZJobStatusSchema.safeParse(initialStatus).data;
    return status ? <StatusBadge status={status} testId="job-status" /> : <p className="text-sm text-slate-500">Waiting for the job…</p>;
  }
  if (job.isError && !job.data) return <p role="alert" className="text-sm text-red-700">Could not load job status: {job.error.message}</p>;
  const j = job.data!;
  const runMs = j.timings.startedAt && j.timings.finishedAt ? Date.parse(j.timings.finishedAt) - Date.parse(j.timings.startedAt) : null;

  return (
    <div className="space-y-3" aria-live="polite">
      <div className="flex flex-wrap items-center gap-x-3 gap-y-1 text-sm">
        <StatusBadge status={j.status} testId="job-status" />
        {j.node ? <span className="text-slate-600">on <span className="font-medium">{j.node.name}</span></span> : null}
        {j.status === "QUEUED" && j.unschedulableReason ? <span className="text-amber-700">Waiting: {j.unschedulableReason}</span> : null}
        {runMs !== null ? <span className="text-slate-500">{formatDurationMs(runMs)}</span> : null}
        {j.memory.observedPeakMiB !== null ? <span className="text-slate-500">peak {formatMiB(j.memory.observedPeakMiB)}</span> : null}
        <Link href={`/jobs/${j.id}`} className="ml-auto font-medium text-indigo-700 hover:text-indigo-500">
          Details<span className="sr-only"> for {j.fileName}</span>
        </Link>
      </div>
      {j.status === "SUCCEEDED" ? <OcrText text={j.result?.text ?? ""} result={j.result} /> : null}
      {j.status === "FAILED" && j.error ? (
        <p role="alert" className="rounded-md bg-red-50 px-3 py-2 text-sm text-red-800">
          <span className="font-mono text-xs">{j.error.code}</span> {j.error.message}
        </p>
      ) : null}
    </div>
  );
}
