"use client";
// One job: status, node, timings, memory, error, events and recognised text; live until it settles.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import type { ReactNode } from "react";
import { OcrText } from "@/components/ocr-text";
import { StatusBadge } from "@/components/status-badge";
import { ErrorState, LoadingBlock } from "@/components/ui/states";
import { elapsedMs, formatBytes, formatDateTime, formatDurationMs, formatMiB } from "@/lib/format";
import { isTerminal } from "@/lib/job-status";
import { errorCodeOf, useTRPC } from "@/lib/trpc/react";
import { JobMemoryChart } from "./job-memory-chart";
import { PageViewer } from "./page-viewer";
import { PlacementTable } from "./placement-table";
import { TextTools } from "./text-tools";

function Fact({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div>
      <dt className="text-xs font-medium uppercase tracking-wide text-slate-500">{label}</dt>
      <dd className="mt-0.5 text-sm text-slate-900">{children}</dd>
    </div>
  );
}

function Card({ title, children }: { title: string; children: ReactNode }) {
  return (
    <section aria-label={title} className="rounded-xl border border-slate-200 bg-white p-4 shadow-sm sm:p-5">
      <h2 className="mb-3 text-sm font-semibold text-slate-700">{title}</h2>
      {children}
    </section>
  );
}

function CancelButton({ id }: { id: string }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const cancel = useMutation({
    ...trpc.job.cancel.mutationOptions(),
    onSettled: () => qc.invalidateQueries({ queryKey: trpc.job.byId.queryKey({ id }) }),
  });
  return (
    <span className="flex items-center gap-2">
      <button
        type="button"
        onClick={() => cancel.mutate({ id })}
        disabled={cancel.isPending}
        className="rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium text-slate-700 hover:bg-slate-50 disabled:opacity-50"
      >
        {cancel.isPending ? "Canceling…" : "Cancel job"}
      </button>
      {cancel.isError ? <span role="alert" className="text-sm text-red-700">{cancel.error.message}</span> : null}
    </span>
  );
}

export function JobDetail({ id }: { id: string }) {
  const trpc = useTRPC();
  const job = useQuery({
    ...trpc.job.byId.queryOptions({ id }),
    refetchInterval: (q) => (q.state.data && isTerminal(q.state.data.status) ? false : 1_000),
  });

  if (job.isPending) return <LoadingBlock label="Loading job" />;
  if (job.isError && !job.data) {
    const code = errorCodeOf(job.error);
    if (code === "NOT_FOUND" || code === "INVALID_INPUT") {
      return (
        <ErrorState title="No such job" message={`There is no job with id ${id}.`} />
      );
    }
    return <ErrorState title="Could not load this job" message={job.error.message} onRetry={() => void job.refetch()} />;
  }
  const j = job.data!;
  const t = j.timings;
  const now = Date.now();
  const waitMs = elapsedMs(t.createdAt, t.startedAt ?? (isTerminal(j.status) ? t.finishedAt : null), now);
  const runMs = t.startedAt ? elapsedMs(t.startedAt, t.finishedAt, now) : null;

  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-center gap-3">
        <Link href="/jobs" className="text-sm font-medium text-slate-500 hover:text-slate-900">← Jobs</Link>
      </div>
      <div className="flex flex-wrap items-center gap-3">
        <h1 className="min-w-0 break-all text-2xl font-semibold tracking-tight">{j.fileName}</h1>
        <StatusBadge status={j.status} testId="job-status" />
        {isTerminal(j.status) ? null : <CancelButton id={j.id} />}
      </div>
      {j.status === "QUEUED" && j.unschedulableReason ? (
        <p className="rounded-md bg-amber-50 px-3 py-2 text-sm text-amber-900 ring-1 ring-amber-200">
          Waiting for headroom: {j.unschedulableReason}
        </p>
      ) : null}
      {j.error ? (
        <div role="alert" className="rounded-md bg-red-50 px-4 py-3 text-sm text-red-900 ring-1 ring-red-200">
          <p className="font-medium">
            Failed with <span className="font-mono">{j.error.code}</span>
          </p>
          <p className="mt-1">{j.error.message}</p>
        </div>
      ) : null}

      <div className="grid gap-4 lg:grid-cols-3">
        <Card title="Placement">
          <dl className="grid grid-cols-2 gap-3">
            <Fact label="Node">{j.node ? j.node.name : "—"}</Fact>
            <Fact label="Attempt">{j.attempt} of {j.maxAttempts}</Fact>
            <Fact label="Priority">{j.priority}</Fact>
            <Fact label="File">{j.mimeType} · {formatBytes(j.sizeBytes)}</Fact>
            <Fact label="Size">{j.widthPx && j.heightPx ? `${j.widthPx}×${j.heightPx} px` : "—"}</Fact>
            <Fact label="Pages">{j.pages}</Fact>
          </dl>
        </Card>
        <Card title="Timings">
          <dl className="grid grid-cols-2 gap-3">
            <Fact label="Created">{formatDateTime(t.createdAt)}</Fact>
            <Fact label="Placed">{formatDateTime(t.placedAt)}</Fact>
            <Fact label="Started">{formatDateTime(t.startedAt)}</Fact>
            <Fact label="Finished">{formatDateTime(t.finishedAt)}</Fact>
            <Fact label="Waited">{formatDurationMs(waitMs)}</Fact>
            <Fact label="Ran">{formatDurationMs(runMs)}</Fact>
          </dl>
          {t.stagesMs && Object.keys(t.stagesMs).length > 0 ? (
            <dl className="mt-3 grid grid-cols-2 gap-x-3 gap-y-1 border-t border-slate-100 pt-3 text-xs">
              {Object.entries(t.stagesMs).map(([stage, ms]) => (
                <div key={stage} className="flex justify-between gap-2">
                  <dt className="text-slate-500">{stage}</dt>
                  <dd className="tabular-nums text-slate-800">{formatDurationMs(ms)}</dd>
                </div>
              ))}
            </dl>
          ) : null}
        </Card>
        <Card title="Memory">
          <dl className="grid grid-cols-2 gap-3">
            <Fact label="Predicted peak">{formatMiB(j.memory.predictedPeakMiB)}</Fact>
            <Fact label="Observed peak">{formatMiB(j.memory.observedPeakMiB)}</Fact>
            <Fact label="Before">{formatMiB(j.memory.beforeMiB)}</Fact>
            <Fact label="After">{formatMiB(j.memory.afterMiB)}</Fact>
          </dl>
        </Card>
      </div>

      {j.status === "SUCCEEDED" && j.result ? (
        <Card title="Page">
          <PageViewer jobId={j.id} pages={j.result.pages} pageCount={j.pages} />
        </Card>
      ) : null}

      <Card title="Recognised text">
        {j.fileExpiredAt ? (
          // Retention removed the file and the result; say so rather than offer downloads that answer 410.
          <p className="text-sm text-slate-500" data-testid="file-expired">
            The file and its result were removed on {formatDateTime(j.fileExpiredAt)} by the retention setting. The job and its events are kept.
          </p>
        ) : j.status === "SUCCEEDED" ? (
          <div className="space-y-2">
            <TextTools jobId={j.id} text={j.result?.text ?? ""} />
            <OcrText text={j.result?.text ?? ""} result={j.result} />
          </div>
        ) : (
          <p className="text-sm text-slate-500">{isTerminal(j.status) ? "No text: the job did not succeed." : "The text appears here when the job finishes."}</p>
        )}
      </Card>

      <Card title="Events">
        {j.events.length === 0 ? (
          <p className="text-sm text-slate-500">No events yet.</p>
        ) : (
          <ol className="relative space-y-4 border-l border-slate-200 pl-5">
            {j.events.map((e, i) => (
              <li key={i} className="relative">
                <span aria-hidden className="absolute -left-[1.6rem] top-1 size-2.5 rounded-full bg-indigo-500 ring-4 ring-white" />
                <div className="flex flex-wrap items-baseline gap-x-3">
                  <span className="font-medium text-slate-900">{e.type}</span>
                  <span className="text-xs text-slate-500">attempt {e.attempt}</span>
                  <time dateTime={e.at} className="text-xs text-slate-500">{formatDateTime(e.at)}</time>
                </div>
                {e.data !== null && e.data !== undefined ? (
                  <pre className="mt-1 overflow-x-auto rounded bg-slate-50 p-2 font-mono text-xs text-slate-700">{JSON.stringify(e.data, null, 2)}</pre>
                ) : null}
              </li>
            ))}
          </ol>
        )}
      </Card>

      <div className="grid gap-4 xl:grid-cols-2">
        <Card title="Why this node">
          {j.placement !== null && j.placement !== undefined ? (
            <PlacementTable placement={j.placement} />
          ) : (
            <p className="text-sm text-slate-500">{j.unschedulableReason ?? "Not placed yet."}</p>
          )}
        </Card>
        <Card title="Node memory during the job">
          <JobMemoryChart id={j.id} live={!isTerminal(j.status)} />
        </Card>
      </div>
    </div>
  );
}
