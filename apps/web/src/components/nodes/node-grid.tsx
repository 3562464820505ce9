"use client";
// All nodes, refreshed every 2 s.
import { useQuery } from "@tanstack/react-query";
import { EmptyState, ErrorState, LoadingBlock } from "@/components/ui/states";
import { useTRPC } from "@/lib/trpc/react";
import { NodeCard } from "./node-card";

export function NodeGrid({ isAdmin }: { isAdmin: boolean }) {
  const trpc = useTRPC();
  const nodes = useQuery({ ...trpc.node.list.queryOptions(), refetchInterval: 2_000 });

  if (nodes.isPending) return <LoadingBlock label="Loading nodes" />;
  if (nodes.isError && !nodes.data) return <ErrorState title="Could not load nodes" message={nodes.error.message} onRetry={() => void nodes.refetch()} />;
  const list = nodes.data.nodes;
  if (list.length === 0) {
    return (
      <EmptyState title="No nodes have registered yet">
        Start an agent (<code className="font-mono">npm start</code> starts one per GPU, or one CPU agent) and it appears here.
      </EmptyState>
    );
  }
  const online = list.filter((n) => n.state === "online").length;
  return (
    <div className="space-y-4">
      <p className="text-sm text-slate-600" aria-live="polite">
        {online} of {list.length} node{list.length === 1 ? "" : "s"} online
        {nodes.isError ? <span className="ml-2 text-amber-700">· refresh failed, showing the last reading</span> : null}
      </p>
      <div className="grid gap-4 lg:grid-cols-2">
        {list.map((n) => (
          <NodeCard key={n.id} node={n} isAdmin={isAdmin} />
        ))}
      </div>
    </div>
  );
}
