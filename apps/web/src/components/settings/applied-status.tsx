"use client";
// Whether each node's agent has applied the settings now in force, refreshed every 2 s. Agents
// report the version they applied on every heartbeat (about every 2 s).
import { useQuery } from "@tanstack/react-query";
import { Panel } from "@/components/ui/panel";
import { EmptyState, ErrorState, LoadingBlock } from "@/components/ui/states";
import { formatAgeMs } from "@/lib/format";
import { useTRPC } from "@/lib/trpc/react";
import type { TNodeListItem } from "@/lib/trpc/types";

function AppliedBadge({ node }: { node: TNodeListItem }) {
  if (node.settingsApplied) {
    return <span className="inline-flex items-center gap-1 rounded-full bg-emerald-50 px-2 py-0.5 text-xs font-semibold text-emerald-800 ring-1 ring-inset ring-emerald-300"><span aria-hidden>✓</span> applied</span>;
  }
  if (node.state === "offline") {
    return <span className="inline-flex items-center gap-1 rounded-full bg-slate-100 px-2 py-0.5 text-xs font-semibold text-slate-600 ring-1 ring-inset ring-slate-300"><span aria-hidden>–</span> offline, pending</span>;
  }
  return <span className="inline-flex items-center gap-1 rounded-full bg-amber-50 px-2 py-0.5 text-xs font-semibold text-amber-800 ring-1 ring-inset ring-amber-300"><span aria-hidden className="inline-block animate-spin">⟳</span> pending</span>;
}

export function AppliedStatus() {
  const trpc = useTRPC();
  const nodes = useQuery({ ...trpc.node.list.queryOptions(), refetchInterval: 2_000 });

  let body;
  if (nodes.isPending) body = <LoadingBlock label="Loading nodes" />;
  else if (nodes.isError && !nodes.data) body = <ErrorState title="Could not load nodes" message={nodes.error.message} onRetry={() => void nodes.refetch()} />;
  else if (nodes.data.nodes.length === 0) body = <EmptyState title="No nodes have registered yet">Settings apply to each agent as it joins.</EmptyState>;
  else {
    body = (
      <div className="-mx-4 overflow-x-auto sm:mx-0">
        <table className="min-w-full text-left text-sm">
          <caption className="sr-only">Settings applied on each node</caption>
          <thead className="border-b border-slate-200 text-xs uppercase tracking-wide text-slate-500">
            <tr>
              <th scope="col" className="px-4 py-2 font-semibold sm:px-3">Node</th>
              <th scope="col" className="px-4 py-2 font-semibold sm:px-3">Settings</th>
              <th scope="col" className="px-4 py-2 font-semibold sm:px-3">Own overrides</th>
              <th scope="col" className="hidden px-4 py-2 font-semibold sm:table-cell sm:px-3">Version (applied / in force)</th>
              <th scope="col" className="hidden px-4 py-2 font-semibold md:table-cell md:px-3">Last heartbeat</th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {nodes.data.nodes.map((n) => (
              <tr key={n.id} data-testid="applied-row">
                <th scope="row" className="px-4 py-2 font-medium text-slate-900 sm:px-3">
                  {n.name}
                  <span className="ml-2 text-xs font-normal text-slate-500">{n.state}</span>
                </th>
                <td className="px-4 py-2 sm:px-3"><AppliedBadge node={n} /></td>
                <td className="px-4 py-2 text-slate-600 sm:px-3">{n.overridden.length === 0 ? "none" : `${n.overridden.length} field${n.overridden.length === 1 ? "" : "s"}`}</td>
                <td className="hidden px-4 py-2 font-mono text-xs text-slate-600 tabular-nums sm:table-cell sm:px-3">{n.appliedSettingsVersion ?? "—"} / {n.settingsVersion}</td>
                <td className="hidden px-4 py-2 text-slate-600 md:table-cell md:px-3">{n.lastHeartbeatAt ? formatAgeMs(n.heartbeatAgeMs) : "never"}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {nodes.isError ? <p className="mt-2 text-sm text-amber-700">Refresh failed; showing the last answer.</p> : null}
      </div>
    );
  }

  return (
    <Panel id="applied-status" title="Applied on each node" description="Agents pick up changes on their next heartbeat, without a restart.">
      <div aria-live="polite">{body}</div>
    </Panel>
  );
}
