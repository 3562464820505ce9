"use client";
// API keys: create (shown once), see which exist and when each was last used, revoke.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { BUTTON_SECONDARY, Panel } from "@/components/ui/panel";
import { EmptyState, ErrorState, LoadingBlock } from "@/components/ui/states";
import { formatDateTime } from "@/lib/format";
import { useTRPC } from "@/lib/trpc/react";
import type { TApiKeyView } from "@/server/admin/admin.types";
import { CreateApiKeyForm } from "./create-api-key-form";

function RevokeButton({ apiKey }: { apiKey: TApiKeyView }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const revoke = useMutation({ ...trpc.apiKey.revoke.mutationOptions(), onSettled: () => qc.invalidateQueries({ queryKey: trpc.apiKey.list.queryKey() }) });
  return (
    <>
      <button
        type="button"
        className={`${BUTTON_SECONDARY} py-1 text-xs`}
        disabled={revoke.isPending}
        aria-label={`Revoke key ${apiKey.name}`}
        onClick={() => {
          if (window.confirm(`Revoke “${apiKey.name}”? Clients using it stop working at once.`)) revoke.mutate({ id: apiKey.id });
        }}
      >
        Revoke
      </button>
      {revoke.isError ? <span role="alert" className="ml-2 text-xs text-red-700">{revoke.error.message}</span> : null}
    </>
  );
}

export function ApiKeysPanel() {
  const trpc = useTRPC();
  const keys = useQuery(trpc.apiKey.list.queryOptions());
  let body;
  if (keys.isPending) body = <LoadingBlock label="Loading API keys" />;
  else if (keys.isError) body = <ErrorState title="Could not load API keys" message={keys.error.message} onRetry={() => void keys.refetch()} />;
  else if (keys.data.keys.length === 0) body = <EmptyState title="No API keys yet">Create one above for a client to send as Authorization: Bearer.</EmptyState>;
  else {
    body = (
      <div className="-mx-4 overflow-x-auto sm:mx-0">
        <table className="min-w-full text-left text-sm">
          <caption className="sr-only">API keys</caption>
          <thead className="border-b border-slate-200 text-xs uppercase tracking-wide text-slate-500">
            <tr>
              {["Name", "Key", "Role", "Created", "Last used", ""].map((h, i) => (
                <th key={i} scope="col" className="px-4 py-2 font-semibold sm:px-3">{h || <span className="sr-only">Actions</span>}</th>
              ))}
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {keys.data.keys.map((k) => (
              <tr key={k.id} className={k.revokedAt ? "text-slate-400" : undefined}>
                <th scope="row" className="px-4 py-2 font-medium sm:px-3">{k.name}</th>
                <td className="px-4 py-2 font-mono text-xs sm:px-3">{k.prefix}…</td>
                <td className="px-4 py-2 sm:px-3">{k.role === "ADMIN" ? "admin" : "viewer"}</td>
                <td className="whitespace-nowrap px-4 py-2 sm:px-3">{formatDateTime(k.createdAt)}{k.createdBy ? <span className="block text-xs text-slate-500">by {k.createdBy}</span> : null}</td>
                <td className="whitespace-nowrap px-4 py-2 sm:px-3">{k.lastUsedAt ? formatDateTime(k.lastUsedAt) : "never"}</td>
                <td className="whitespace-nowrap px-4 py-2 text-right sm:px-3">{k.revokedAt ? <span className="text-xs">revoked {formatDateTime(k.revokedAt)}</span> : <RevokeButton apiKey={k} />}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    );
  }
  return (
    <Panel id="api-keys" title="API keys" description="Clients send a key as Authorization: Bearer <key>. Viewer keys can read; admin keys can also change settings and drain nodes.">
      <CreateApiKeyForm />
      {body}
    </Panel>
  );
}
