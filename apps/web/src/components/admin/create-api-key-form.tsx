"use client";
// Name a key and pick its role; the key comes back once.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { BUTTON_PRIMARY, INPUT } from "@/components/ui/panel";
import { useTRPC } from "@/lib/trpc/react";
import type { TRole } from "@/server/admin/admin.types";
import { NewKeyNotice } from "./new-key-notice";
import { RoleSelect } from "./role-select";

export function CreateApiKeyForm() {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const [name, setName] = useState("");
  const [role, setRole] = useState<TRole>("VIEWER");
  const create = useMutation({
    ...trpc.apiKey.create.mutationOptions(),
    onSuccess: () => setName(""),
    onSettled: () => qc.invalidateQueries({ queryKey: trpc.apiKey.list.queryKey() }),
  });
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    if (name.trim()) create.mutate({ name: name.trim(), role });
  };
  return (
    <>
      {create.data ? <NewKeyNotice name={create.data.apiKey.name} apiKey={create.data.key} onDismiss={() => create.reset()} /> : null}
      <form onSubmit={onSubmit} aria-label="Create an API key" className="mb-5 grid gap-3 sm:grid-cols-[1fr_14rem_auto] sm:items-end">
        <div className="flex flex-col gap-1">
          <label htmlFor="api-key-name" className="text-sm font-medium text-slate-800">Key name</label>
          <input id="api-key-name" value={name} onChange={(e) => setName(e.target.value)} maxLength={100} required placeholder="e.g. invoices pipeline" className={INPUT} />
        </div>
        <RoleSelect id="api-key-role" label="Key role" value={role} onChange={setRole} />
        <button type="submit" className={BUTTON_PRIMARY} disabled={!name.trim() || create.isPending}>{create.isPending ? "Creating…" : "Create key"}</button>
      </form>
      {create.isError ? <p role="alert" className="mb-4 text-sm text-red-700">{create.error.message}</p> : null}
    </>
  );
}
