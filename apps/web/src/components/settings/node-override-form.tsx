"use client";
// One node's overrides: tick a threshold to set it on this node, untick to go back to the fleet
// value. What is checked is the set the agent will get (fleet values with these on top).
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import type { TThresholds } from "@headroom/protocol";
import { BUTTON_PRIMARY, BUTTON_SECONDARY } from "@/components/ui/panel";
import { ErrorState, LoadingBlock } from "@/components/ui/states";
import { useTRPC } from "@/lib/trpc/react";
import { THRESHOLD_FIELDS, THRESHOLD_KEYS, type TThresholdKey } from "@/server/settings/fields";
import type { TNodeOverride } from "@/server/settings/settings.types";
import { issuesByField, thresholdIssues } from "@/server/settings/validate";
import { parseValue } from "./draft";
import { ThresholdInput } from "./threshold-input";

type TOverrideDraft = Record<TThresholdKey, string | null>;

const draftOf = (o: TNodeOverride): TOverrideDraft => Object.fromEntries(THRESHOLD_KEYS.map((k) => [k, o[k] === null ? null : String(o[k])])) as TOverrideDraft;
const valueOf = (s: string | null): number | null => (s === null ? null : parseValue(s));

export function NodeOverrideForm({ nodeId, isAdmin }: { nodeId: string; isAdmin: boolean }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const node = useQuery(trpc.settings.nodeOverride.get.queryOptions({ nodeId }));
  const fleet = useQuery(trpc.settings.get.queryOptions());
  const [draft, setDraft] = useState<TOverrideDraft | null>(null);
  const [saved, setSaved] = useState<number | null>(null);
  const update = useMutation({
    ...trpc.settings.nodeOverride.update.mutationOptions(),
    onSuccess: (data) => {
      qc.setQueryData(trpc.settings.nodeOverride.get.queryKey({ nodeId }), data);
      setDraft(null);
      setSaved(data.version);
    },
    onSettled: () => Promise.all([
      qc.invalidateQueries({ queryKey: trpc.settings.audit.list.queryKey() }),
      qc.invalidateQueries({ queryKey: trpc.node.list.queryKey() }),
    ]),
  });

  if (node.isPending || fleet.isPending) return <LoadingBlock label="Loading the node's settings" />;
  if (node.isError) return <ErrorState title="Could not load the node's settings" message={node.error.message} onRetry={() => void node.refetch()} />;
  if (fleet.isError) return <ErrorState title="Could not load fleet thresholds" message={fleet.error.message} onRetry={() => void fleet.refetch()} />;

  const stored = node.data;
  const values = draft ?? draftOf(stored.override);
  const effective = Object.fromEntries(THRESHOLD_KEYS.map((k) => [k, values[k] === null ? fleet.data.thresholds[k] : valueOf(values[k])])) as TThresholds;
  const errors = issuesByField(thresholdIssues(effective));
  const problems = Object.keys(errors).length;
  const patch = Object.fromEntries(THRESHOLD_KEYS.filter((k) => !Object.is(valueOf(values[k]), stored.override[k])).map((k) => [k, valueOf(values[k])]));
  const dirty = Object.keys(patch).length > 0;
  const anySet = THRESHOLD_KEYS.some((k) => values[k] !== null);
  const edit = (key: TThresholdKey, v: string | null) => {
    setSaved(null);
    setDraft({ ...values, [key]: v });
  };

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    if (!isAdmin || !dirty || problems > 0) return;
    update.mutate({ nodeId, changes: patch, expectedVersion: stored.version });
  };

  return (
    <form onSubmit={onSubmit} noValidate aria-label={`Overrides for ${stored.nodeName}`}>
      <div className="grid gap-x-6 gap-y-5 sm:grid-cols-2 lg:grid-cols-3">
        {THRESHOLD_KEYS.map((key) => {
          const field = THRESHOLD_FIELDS[key];
          const overriding = values[key] !== null;
          return (
            <ThresholdInput
              key={key}
              idPrefix={`node-${nodeId}`}
              field={field}
              value={values[key] ?? ""}
              placeholder={`fleet: ${fleet.data.thresholds[key]}`}
              onChange={(v) => edit(key, v)}
              error={errors[key]}
              disabled={!isAdmin || !overriding}
              extra={
                <label className="inline-flex items-center gap-1.5 text-xs text-slate-600">
                  <input
                    type="checkbox"
                    checked={overriding}
                    disabled={!isAdmin}
                    onChange={(e) => edit(key, e.target.checked ? String(fleet.data.thresholds[key]) : null)}
                    className="size-4 rounded border-slate-300 text-indigo-600"
                    aria-label={`Override ${field.label} on ${stored.nodeName}`}
                  />
                  override
                </label>
              }
            />
          );
        })}
      </div>
      {isAdmin ? (
        <div className="mt-6 flex flex-wrap items-center gap-3 border-t border-slate-100 pt-4">
          <button type="submit" className={BUTTON_PRIMARY} disabled={!dirty || problems > 0 || update.isPending}>
            {update.isPending ? "Saving…" : "Save overrides"}
          </button>
          <button
            type="button"
            className={BUTTON_SECONDARY}
            disabled={!anySet || update.isPending}
            onClick={() => { setSaved(null); setDraft(Object.fromEntries(THRESHOLD_KEYS.map((k) => [k, null])) as TOverrideDraft); }}
          >
            Clear all overrides
          </button>
          <button type="button" className={BUTTON_SECONDARY} disabled={!dirty || update.isPending} onClick={() => { setDraft(null); update.reset(); }}>
            Discard changes
          </button>
          <p aria-live="polite" className="text-sm">
            {problems > 0 ? <span className="text-red-700">The thresholds in force on this node would not be consistent; fix the highlighted fields.</span> : null}
            {saved !== null && !dirty ? <span className="text-emerald-700">Saved (override version {saved}).</span> : null}
          </p>
        </div>
      ) : null}
      {update.isError ? <p role="alert" className="mt-3 rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-900">{update.error.message}</p> : null}
    </form>
  );
}
