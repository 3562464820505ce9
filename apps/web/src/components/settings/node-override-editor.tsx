"use client";
// Pick a node, then set or clear its own thresholds.
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { INPUT, Panel, ReadOnlyNote } from "@/components/ui/panel";
import { EmptyState, ErrorState, LoadingBlock } from "@/components/ui/states";
import { useTRPC } from "@/lib/trpc/react";
import { NodeOverrideForm } from "./node-override-form";

export function NodeOverrideEditor({ isAdmin }: { isAdmin: boolean }) {
  const trpc = useTRPC();
  const nodes = useQuery({ ...trpc.node.list.queryOptions(), refetchInterval: 2_000 });
  const [picked, setPicked] = useState<string | null>(null);

  let body;
  if (nodes.isPending) body = <LoadingBlock label="Loading nodes" />;
  else if (nodes.isError && !nodes.data) body = <ErrorState title="Could not load nodes" message={nodes.error.message} onRetry={() => void nodes.refetch()} />;
  else if (nodes.data.nodes.length === 0) body = <EmptyState title="No nodes have registered yet">Overrides can be set once a node has joined.</EmptyState>;
  else {
    const list = nodes.data.nodes;
    const nodeId = picked && list.some((n) => n.id === picked) ? picked : list[0]!.id;
    body = (
      <>
        {!isAdmin ? <ReadOnlyNote>You are signed in as a viewer: you can see each node&apos;s overrides, and only an admin can change them.</ReadOnlyNote> : null}
        <div className="mb-5 max-w-sm">
          <label htmlFor="override-node" className="text-sm font-medium text-slate-800">Node</label>
          <select id="override-node" value={nodeId} onChange={(e) => setPicked(e.target.value)} className={`${INPUT} mt-1`}>
            {list.map((n) => (
              <option key={n.id} value={n.id}>
                {n.name} ({n.state}{n.overridden.length ? `, ${n.overridden.length} overridden` : ""})
              </option>
            ))}
          </select>
        </div>
        {/* Keyed by node, so switching nodes starts from that node's stored values. */}
        <NodeOverrideForm key={nodeId} nodeId={nodeId} isAdmin={isAdmin} />
      </>
    );
  }

  return (
    <Panel id="node-overrides" title="Per-node overrides" description="A node may set its own value for any threshold; the rest follow the fleet.">
      {body}
    </Panel>
  );
}
