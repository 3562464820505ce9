"use client";
// Every settings change: who, when, where (fleet or a node), and each field from → to.
import { useQuery } from "@tanstack/react-query";
import { Panel } from "@/components/ui/panel";
import { EmptyState, ErrorState, LoadingBlock } from "@/components/ui/states";
import { formatDateTime } from "@/lib/format";
import { useTRPC } from "@/lib/trpc/react";
import { formatRetention, isRetentionKey, RETENTION_FIELDS, RETENTION_SCOPE } from "@/server/retention/fields";
import { formatThreshold, THRESHOLD_FIELDS } from "@/server/settings/fields";
import type { TAuditEntry } from "@/server/settings/settings.types";

const AUDIT_LIMIT = 50;

function ChangeLine({ change, nodeScope }: { change: TAuditEntry["changes"][number]; nodeScope: boolean }) {
  const field = change.field;
  // On a node, null means "no override": the fleet value applies.
  const show = (v: number | null) =>
    isRetentionKey(field) ? formatRetention(field, v) : v === null ? (nodeScope ? "fleet value" : "—") : formatThreshold(field, v);
  const label = isRetentionKey(field) ? RETENTION_FIELDS[field].label : THRESHOLD_FIELDS[field].label;
  return (
    <li>
      <span className="font-medium text-slate-800">{label}</span>
      <span className="text-slate-500">: </span>
      <span className="tabular-nums">{show(change.from)} → {show(change.to)}</span>
    </li>
  );
}

export function AuditLog() {
  const trpc = useTRPC();
  const audit = useQuery({ ...trpc.settings.audit.list.queryOptions({ limit: AUDIT_LIMIT }), refetchInterval: 10_000 });

  let body;
  if (audit.isPending) body = <LoadingBlock label="Loading the audit log" />;
  else if (audit.isError) body = <ErrorState title="Could not load the audit log" message={audit.error.message} onRetry={() => void audit.refetch()} />;
  else if (audit.data.entries.length === 0) body = <EmptyState title="No changes yet">Every change to thresholds and retention will be listed here.</EmptyState>;
  else {
    body = (
      <div className="-mx-4 overflow-x-auto sm:mx-0">
        <table className="min-w-full text-left text-sm">
          <caption className="sr-only">Settings changes, newest first</caption>
          <thead className="border-b border-slate-200 text-xs uppercase tracking-wide text-slate-500">
            <tr>
              <th scope="col" className="hidden px-4 py-2 font-semibold sm:table-cell sm:px-3">When</th>
              <th scope="col" className="hidden px-4 py-2 font-semibold sm:table-cell sm:px-3">Who</th>
              <th scope="col" className="hidden px-4 py-2 font-semibold sm:table-cell sm:px-3">Scope</th>
              <th scope="col" className="px-4 py-2 font-semibold sm:px-3"><span className="sm:hidden">Change</span><span className="hidden sm:inline">Changes</span></th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100 align-top">
            {audit.data.entries.map((e) => {
              const nodeScope = e.scope !== "fleet" && e.scope !== RETENTION_SCOPE;
              const scope = nodeScope ? <span title={e.scope}>node {e.nodeName ?? <span className="font-mono text-xs">{e.scope.slice(0, 8)} (removed)</span>}</span> : e.scope;
              return (
                <tr key={e.id} data-testid="audit-row">
                  <td className="hidden whitespace-nowrap px-4 py-2 text-slate-600 sm:table-cell sm:px-3"><time dateTime={e.createdAt}>{formatDateTime(e.createdAt)}</time></td>
                  <td className="hidden px-4 py-2 sm:table-cell sm:px-3">{e.actorLabel}</td>
                  <td className="hidden px-4 py-2 sm:table-cell sm:px-3">{scope}</td>
                  <td className="px-4 py-2 sm:px-3">
                    {/* Phones get one column: when, who and where above the changes. */}
                    <p className="mb-1 text-xs text-slate-500 sm:hidden">{formatDateTime(e.createdAt)} · {e.actorLabel} · {scope}</p>
                    <ul className="space-y-0.5">{e.changes.map((c) => <ChangeLine key={c.field} change={c} nodeScope={nodeScope} />)}</ul>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    );
  }
  return (
    <Panel id="settings-audit" title="Audit log" description={`The last ${AUDIT_LIMIT} changes, newest first.`}>
      {body}
    </Panel>
  );
}
