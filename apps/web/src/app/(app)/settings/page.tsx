import type { Metadata } from "next";
import { AppliedStatus } from "@/components/settings/applied-status";
import { AuditLog } from "@/components/settings/audit-log";
import { FleetSettingsForm } from "@/components/settings/fleet-settings-form";
import { NodeOverrideEditor } from "@/components/settings/node-override-editor";
import { RetentionForm } from "@/components/settings/retention-form";
import { requireUserPage } from "@/server/auth/page";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Settings" };

export default async function SettingsPage() {
  const user = await requireUserPage("/settings");
  const isAdmin = user.role === "ADMIN";
  return (
    <div className="space-y-6">
      <div>
        <h1 className="text-2xl font-semibold tracking-tight">Settings</h1>
        <p className="mt-1 text-sm text-slate-600">
          The memory rules every agent follows. Changes are checked, audited, and applied by each agent within one heartbeat.
        </p>
      </div>
      <FleetSettingsForm isAdmin={isAdmin} />
      <AppliedStatus />
      <NodeOverrideEditor isAdmin={isAdmin} />
      <RetentionForm isAdmin={isAdmin} />
      <AuditLog />
    </div>
  );
}
