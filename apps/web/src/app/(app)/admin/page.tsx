import type { Metadata } from "next";
import { ApiKeysPanel } from "@/components/admin/api-keys-panel";
import { UsersPanel } from "@/components/admin/users-panel";
import { EmptyState } from "@/components/ui/states";
import { requireUserPage } from "@/server/auth/page";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Admin" };

export default async function AdminPage() {
  const user = await requireUserPage("/admin");
  return (
    <div className="space-y-6">
      <div>
        <h1 className="text-2xl font-semibold tracking-tight">Admin</h1>
        <p className="mt-1 text-sm text-slate-600">API keys for clients, and the people who may sign in.</p>
      </div>
      {user.role === "ADMIN" ? (
        <>
          <ApiKeysPanel />
          <UsersPanel selfId={user.kind === "user" ? user.id : null} />
        </>
      ) : (
        <EmptyState title="Only admins can manage API keys and users">Ask an admin if you need a key or an account for someone.</EmptyState>
      )}
    </div>
  );
}
