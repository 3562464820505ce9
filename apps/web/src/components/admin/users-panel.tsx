"use client";
// Who can sign in, and with which role. The server keeps at least one admin.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { BUTTON_SECONDARY, Panel } from "@/components/ui/panel";
import { ErrorState, LoadingBlock } from "@/components/ui/states";
import { formatDateTime } from "@/lib/format";
import { useTRPC } from "@/lib/trpc/react";
import type { TUserView } from "@/server/admin/admin.types";
import { CreateUserForm } from "./create-user-form";
import { RoleSelect } from "./role-select";

function UserRow({ user, isSelf }: { user: TUserView; isSelf: boolean }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const refresh = () => qc.invalidateQueries({ queryKey: trpc.user.list.queryKey() });
  const setRole = useMutation({ ...trpc.user.setRole.mutationOptions(), onSettled: refresh });
  const remove = useMutation({ ...trpc.user.remove.mutationOptions(), onSettled: refresh });
  const error = setRole.error ?? remove.error;
  return (
    <tr>
      <th scope="row" className="px-4 py-2 font-medium sm:px-3">
        {user.name}{isSelf ? <span className="ml-1 text-xs font-normal text-slate-500">(you)</span> : null}
        <span className="block text-xs font-normal text-slate-500">{user.email}</span>
      </th>
      <td className="px-4 py-2 sm:px-3">
        <div className="w-44">
          <RoleSelect id={`role-${user.id}`} label={`Role of ${user.email}`} srOnlyLabel value={user.role} disabled={setRole.isPending} onChange={(role) => setRole.mutate({ id: user.id, role })} />
        </div>
        {error ? <p role="alert" className="mt-1 max-w-xs text-xs text-red-700">{error.message}</p> : null}
      </td>
      <td className="hidden whitespace-nowrap px-4 py-2 text-slate-600 sm:table-cell sm:px-3">{formatDateTime(user.createdAt)}</td>
      <td className="px-4 py-2 text-right sm:px-3">
        {isSelf ? null : (
          <button
            type="button"
            className={`${BUTTON_SECONDARY} py-1 text-xs`}
            disabled={remove.isPending}
            aria-label={`Remove ${user.email}`}
            onClick={() => {
              if (window.confirm(`Remove ${user.email}? They are signed out at once.`)) remove.mutate({ id: user.id });
            }}
          >
            Remove
          </button>
        )}
      </td>
    </tr>
  );
}

export function UsersPanel({ selfId }: { selfId: string | null }) {
  const trpc = useTRPC();
  const users = useQuery(trpc.user.list.queryOptions());
  let body;
  if (users.isPending) body = <LoadingBlock label="Loading users" />;
  else if (users.isError) body = <ErrorState title="Could not load users" message={users.error.message} onRetry={() => void users.refetch()} />;
  else {
    body = (
      <div className="-mx-4 overflow-x-auto sm:mx-0">
        <table className="min-w-full text-left text-sm">
          <caption className="sr-only">Users</caption>
          <thead className="border-b border-slate-200 text-xs uppercase tracking-wide text-slate-500">
            <tr>
              <th scope="col" className="px-4 py-2 font-semibold sm:px-3">User</th>
              <th scope="col" className="px-4 py-2 font-semibold sm:px-3">Role</th>
              <th scope="col" className="hidden px-4 py-2 font-semibold sm:table-cell sm:px-3">Added</th>
              <th scope="col" className="px-4 py-2 sm:px-3"><span className="sr-only">Actions</span></th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {users.data.users.map((u) => <UserRow key={u.id} user={u} isSelf={u.id === selfId} />)}
          </tbody>
        </table>
      </div>
    );
  }
  return (
    <Panel id="users" title="Users" description="Viewers see everything; admins may also change thresholds, drain nodes and manage keys and users.">
      <CreateUserForm />
      {body}
    </Panel>
  );
}
