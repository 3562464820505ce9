import type { Metadata } from "next";
import { NodeGrid } from "@/components/nodes/node-grid";
import { requireUserPage } from "@/server/auth/page";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Nodes" };

export default async function NodesPage() {
  const user = await requireUserPage("/nodes");
  return (
    <div className="space-y-6">
      <div>
        <h1 className="text-2xl font-semibold tracking-tight">Nodes</h1>
        <p className="mt-1 text-sm text-slate-600">Each GPU (or CPU) agent with its latest measured memory.</p>
      </div>
      <NodeGrid isAdmin={user.role === "ADMIN"} />
    </div>
  );
}
