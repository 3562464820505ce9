// One node: identity, state, memory, load and the thresholds in force.
import type { TThresholds } from "@headroom/protocol";
import { formatAgeMs, formatMiB } from "@/lib/format";
import type { TNodeListItem as TNodeView } from "@/lib/trpc/types";
import { DrainButton } from "./drain-button";
import { MemoryGauge } from "./memory-gauge";
import { NodeMemoryChart } from "./node-memory-chart";

const STATE_STYLE: Record<TNodeView["state"], string> = {
  online: "bg-emerald-50 text-emerald-800 ring-emerald-300",
  drained: "bg-amber-50 text-amber-800 ring-amber-300",
  offline: "bg-slate-100 text-slate-600 ring-slate-300",
};

const THRESHOLD_LABELS: Record<keyof TThresholds, [label: string, unit: string]> = {
  admissionMaxUsagePct: ["Admit below", "%"],
  admissionMinFreeMiB: ["Admit with free ≥", " MiB"],
  memoryCapPct: ["Memory cap", "%"],
  cleanupAbovePct: ["Clean up after job above", "%"],
  batchCleanupEvery: ["Batch cleanup every", " images"],
  sweepIntervalS: ["Sweep every", " s"],
  sweepAbovePct: ["Sweep above", "%"],
  sampleIntervalMs: ["Sample every", " ms"],
  jobTimeoutS: ["Job timeout", " s"],
  alertAbovePct: ["Alert above", "%"],
  memoryBudgetMiB: ["Memory budget", " MiB"],
};

/** Why earlier providers failed, as a one-line tooltip. */
function providerNotesText(notes: unknown): string | undefined {
  if (notes === null || notes === undefined) return undefined;
  return typeof notes === "string" ? notes : JSON.stringify(notes);
}

export function NodeCard({ node, isAdmin }: { node: TNodeView; isAdmin: boolean }) {
  const m = node.memory;
  const overridden = new Set(node.overridden);
  const device = node.kind === "GPU" ? (node.gpuName ?? "GPU") + (node.gpuIndex !== null ? ` #${node.gpuIndex}` : "") : "CPU (host memory)";
  return (
    <article aria-labelledby={`node-${node.id}`} className={`flex flex-col gap-4 rounded-xl border bg-white p-5 shadow-sm ${node.state === "offline" ? "border-slate-200 opacity-75" : "border-slate-200"}`}>
      <header className="flex items-start justify-between gap-3">
        <div className="min-w-0">
          <h2 id={`node-${node.id}`} className="truncate font-semibold text-slate-900" title={node.name}>{node.name}</h2>
          <p className="truncate text-xs text-slate-500" title={`${device} on ${node.hostname}`}>
            <span className="font-medium text-slate-600">{node.kind}</span> · {device} · {node.hostname}
          </p>
        </div>
        <span className={`shrink-0 rounded-full px-2 py-0.5 text-xs font-semibold ring-1 ring-inset ${STATE_STYLE[node.state]}`}>{node.state}</span>
      </header>

      <MemoryGauge
        label={`${node.name} memory used`}
        usedMiB={m.usedMiB} totalMiB={m.totalMiB} usedPct={m.usedPct}
        warnAbovePct={node.thresholds.sweepAbovePct} alertAbovePct={node.thresholds.alertAbovePct}
      />
      {node.thresholds.memoryBudgetMiB > 0 ? (
        // The agent reports min(physical total, budget) as the total, so the gauge already shows the budgeted figure.
        <p className="-mt-2 text-xs text-slate-500">Total capped by a memory budget of {formatMiB(node.thresholds.memoryBudgetMiB)}</p>
      ) : null}

      {node.alerts.memory ? (
        <p role="alert" className="rounded-md bg-red-50 px-3 py-2 text-xs font-medium text-red-800 ring-1 ring-red-200">
          Memory above the alert threshold ({node.thresholds.alertAbovePct}%)
        </p>
      ) : null}
      {node.alerts.leak?.warn ? (
        <p role="alert" className="rounded-md bg-amber-50 px-3 py-2 text-xs text-amber-900 ring-1 ring-amber-200">
          <span className="font-medium">Possible leak:</span> memory after cleanups climbs {node.alerts.leak.mibPerHour.toLocaleString("en-US")} MiB/h
          over the last 24 h ({node.alerts.leak.points} cleanups). Cleanup rules cannot free it.
        </p>
      ) : null}

      <NodeMemoryChart node={node} />

      <dl className="grid grid-cols-2 gap-x-4 gap-y-2 text-sm">
        <div>
          <dt className="text-xs text-slate-500">Runner</dt>
          <dd className="tabular-nums">{formatMiB(m.processMiB)}</dd>
        </div>
        <div>
          <dt className="text-xs text-slate-500">Utilisation</dt>
          <dd className="tabular-nums">{m.utilPct === null ? "—" : `${Math.round(m.utilPct)}%`}</dd>
        </div>
        <div>
          <dt className="text-xs text-slate-500">Jobs in flight</dt>
          <dd className="tabular-nums">{node.jobsInFlight} / {node.maxConcurrent}</dd>
        </div>
        <div>
          <dt className="text-xs text-slate-500">Last heartbeat</dt>
          <dd>
            {node.lastHeartbeatAt ? <time dateTime={node.lastHeartbeatAt}>{formatAgeMs(node.heartbeatAgeMs)}</time> : "never"}
          </dd>
        </div>
        <div>
          <dt className="text-xs text-slate-500">Provider</dt>
          <dd title={providerNotesText(node.providerNotes)}>{node.provider ?? "—"}</dd>
        </div>
        <div>
          <dt className="text-xs text-slate-500">Free</dt>
          <dd className="tabular-nums">{formatMiB(m.freeMiB)}</dd>
        </div>
        <div className="col-span-2">
          <dt className="text-xs text-slate-500">After-cleanup trend (24 h)</dt>
          <dd className="tabular-nums">
            {node.alerts.leak ? `${node.alerts.leak.mibPerHour > 0 ? "+" : ""}${node.alerts.leak.mibPerHour.toLocaleString("en-US")} MiB/h over ${node.alerts.leak.points} cleanups` : "fewer than 3 cleanups"}
          </dd>
        </div>
      </dl>

      <details className="group border-t border-slate-100 pt-3">
        <summary className="cursor-pointer text-xs font-semibold uppercase tracking-wide text-slate-500">
          Thresholds in force{overridden.size > 0 ? ` · ${overridden.size} set on this node` : ""}
          {node.state !== "offline" && !node.settingsApplied ? (
            <span className="ml-2 rounded bg-amber-50 px-1.5 py-0.5 text-[10px] font-semibold normal-case tracking-normal text-amber-800">not applied yet</span>
          ) : null}
        </summary>
        <dl className="mt-2 space-y-1 text-xs">
          {(Object.keys(THRESHOLD_LABELS) as (keyof TThresholds)[]).map((key) => {
            const [label, unit] = THRESHOLD_LABELS[key];
            return (
              <div key={key} className="flex justify-between gap-2">
                <dt className="text-slate-500">{label}</dt>
                <dd className="tabular-nums text-slate-800">
                  {key === "memoryBudgetMiB" && node.thresholds[key] === 0 ? "whole device" : `${node.thresholds[key]}${unit}`}
                  {overridden.has(key) ? <span className="ml-1 rounded bg-indigo-50 px-1 text-[10px] font-semibold text-indigo-700">node</span> : null}
                </dd>
              </div>
            );
          })}
        </dl>
        {m.source || node.agentVersion ? (
          <p className="mt-2 text-[11px] text-slate-400">
            {m.source ? `memory from ${m.source}` : null}
            {m.source && node.agentVersion ? " · " : null}
            {node.agentVersion ? `agent ${node.agentVersion}` : null}
          </p>
        ) : null}
      </details>
      {isAdmin && node.state !== "offline" ? <DrainButton nodeId={node.id} nodeName={node.name} drained={node.state === "drained"} /> : null}
    </article>
  );
}
