"use client";
// A new person: email, name, initial password (they sign in with it) and role.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { BUTTON_PRIMARY, INPUT } from "@/components/ui/panel";
import { useTRPC } from "@/lib/trpc/react";
import type { TRole } from "@/server/admin/admin.types";
import { RoleSelect } from "./role-select";

const EMPTY = { email: "", name: "", password: "" };
const MIN_PASSWORD = 8;

export function CreateUserForm() {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const [fields, setFields] = useState(EMPTY);
  const [role, setRole] = useState<TRole>("VIEWER");
  const create = useMutation({
    ...trpc.user.create.mutationOptions(),
    onSuccess: () => setFields(EMPTY),
    onSettled: () => qc.invalidateQueries({ queryKey: trpc.user.list.queryKey() }),
  });
  const shortPassword = fields.password.length > 0 && fields.password.length < MIN_PASSWORD;
  const ready = fields.email.includes("@") && fields.name.trim() && fields.password.length >= MIN_PASSWORD;
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    if (ready) create.mutate({ ...fields, role });
  };
  const input = (key: keyof typeof EMPTY, label: string, type: string, autoComplete: string) => (
    <div className="flex flex-col gap-1">
      <label htmlFor={`new-user-${key}`} className="text-sm font-medium text-slate-800">{label}</label>
      <input
        id={`new-user-${key}`} type={type} autoComplete={autoComplete} required value={fields[key]}
        onChange={(e) => setFields({ ...fields, [key]: e.target.value })}
        aria-invalid={key === "password" && shortPassword ? true : undefined}
        aria-describedby={key === "password" ? "new-user-password-help" : undefined}
        className={INPUT}
      />
      {key === "password" ? (
        <p id="new-user-password-help" className={`text-xs ${shortPassword ? "text-red-700" : "text-slate-500"}`}>At least {MIN_PASSWORD} characters; they sign in with it.</p>
      ) : null}
    </div>
  );
  return (
    <form onSubmit={onSubmit} aria-label="Add a user" className="mb-5 grid gap-3 sm:grid-cols-2 lg:grid-cols-[1fr_1fr_1fr_12rem_auto] lg:items-start">
      {input("email", "Email", "email", "off")}
      {input("name", "Name", "text", "off")}
      {input("password", "Initial password", "password", "new-password")}
      <RoleSelect id="new-user-role" label="Role" value={role} onChange={setRole} />
      <div className="flex flex-col gap-1 lg:pt-6">
        <button type="submit" className={BUTTON_PRIMARY} disabled={!ready || create.isPending}>{create.isPending ? "Adding…" : "Add user"}</button>
      </div>
      <p aria-live="polite" className="text-sm sm:col-span-2 lg:col-span-5">
        {create.isError ? <span role="alert" className="text-red-700">{create.error.message}</span> : null}
        {create.isSuccess ? <span className="text-emerald-700">Added {create.data.email}.</span> : null}
      </p>
    </form>
  );
}
