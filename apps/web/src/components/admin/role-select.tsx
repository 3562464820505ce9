// The two roles, as a labelled select.
import type { TRole } from "@/server/admin/admin.types";
import { INPUT } from "@/components/ui/panel";

export function RoleSelect({ id, label, value, onChange, disabled, srOnlyLabel = false }: {
  id: string; label: string; value: TRole; onChange: (role: TRole) => void; disabled?: boolean; srOnlyLabel?: boolean;
}) {
  return (
    <div className="flex flex-col gap-1">
      <label htmlFor={id} className={srOnlyLabel ? "sr-only" : "text-sm font-medium text-slate-800"}>{label}</label>
      <select id={id} value={value} disabled={disabled} onChange={(e) => onChange(e.target.value as TRole)} className={INPUT}>
        <option value="VIEWER">Viewer (read only)</option>
        <option value="ADMIN">Admin</option>
      </select>
    </div>
  );
}
