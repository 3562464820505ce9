"use client";
// Admins drain a node (no new jobs; the running one finishes) and bring it back.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useTRPC } from "@/lib/trpc/react";

export function DrainButton({ nodeId, nodeName, drained }: { nodeId: string; nodeName: string; drained: boolean }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const drain = useMutation({
    ...trpc.node.setDrained.mutationOptions(),
    onSettled: () => qc.invalidateQueries({ queryKey: trpc.node.list.queryKey() }),
  });
  return (
    <div className="flex items-center gap-2">
      <button
        type="button"
        aria-label={`${drained ? "Undrain" : "Drain"} ${nodeName}`}
        onClick={() => drain.mutate({ id: nodeId, drained: !drained })}
        disabled={drain.isPending}
        className="rounded-md border border-slate-300 bg-white px-2.5 py-1 text-xs font-medium text-slate-700 hover:bg-slate-50 disabled:opacity-50"
      >
        {drained ? "Undrain" : "Drain"}
      </button>
      {drain.isError ? <span role="alert" className="text-xs text-red-700">{drain.error.message}</span> : null}
    </div>
  );
}
