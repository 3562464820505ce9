"use client";
// The fleet's thresholds. Problems show as you type (the same checks the server makes); the
// server's answer is still the one that counts. Viewers see the values, read-only.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { BUTTON_PRIMARY, BUTTON_SECONDARY, Panel, ReadOnlyNote } from "@/components/ui/panel";
import { ErrorState, LoadingBlock } from "@/components/ui/states";
import { errorCodeOf, useTRPC } from "@/lib/trpc/react";
import { THRESHOLD_FIELDS, THRESHOLD_KEYS } from "@/server/settings/fields";
import { issuesByField, thresholdIssues } from "@/server/settings/validate";
import { draftOf, patchOf, thresholdsOf, type TDraft } from "./draft";
import { ThresholdInput } from "./threshold-input";

export function FleetSettingsForm({ isAdmin }: { isAdmin: boolean }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const settings = useQuery(trpc.settings.get.queryOptions());
  // null until the user edits: until then the form follows the stored values.
  const [draft, setDraft] = useState<TDraft | null>(null);
  const [savedVersion, setSavedVersion] = useState<number | null>(null);
  const update = useMutation({
    ...trpc.settings.update.mutationOptions(),
    onSuccess: (data) => {
      qc.setQueryData(trpc.settings.get.queryKey(), data);
      setDraft(null);
      setSavedVersion(data.version);
    },
    onSettled: () => Promise.all([
      qc.invalidateQueries({ queryKey: trpc.settings.audit.list.queryKey() }),
      qc.invalidateQueries({ queryKey: trpc.node.list.queryKey() }),
      qc.invalidateQueries({ queryKey: trpc.settings.nodeOverride.get.queryKey() }),
    ]),
  });

  const body = (() => {
    if (settings.isPending) return <LoadingBlock label="Loading thresholds" />;
    if (settings.isError) return <ErrorState title="Could not load thresholds" message={settings.error.message} onRetry={() => void settings.refetch()} />;
    const stored = settings.data;
    const values = draft ?? draftOf(stored.thresholds);
    const errors = issuesByField(thresholdIssues(thresholdsOf(values)));
    const problems = Object.keys(errors).length;
    const patch = patchOf(stored.thresholds, values);
    const dirty = Object.keys(patch).length > 0;
    const conflict = update.isError && errorCodeOf(update.error) === "CONFLICT";

    const onSubmit = (e: FormEvent) => {
      e.preventDefault();
      if (!isAdmin || !dirty || problems > 0) return;
      setSavedVersion(null);
      update.mutate({ changes: patch, expectedVersion: stored.version });
    };

    return (
      <form onSubmit={onSubmit} noValidate aria-label="Fleet thresholds">
        {!isAdmin ? <ReadOnlyNote>You are signed in as a viewer: these are the values in force, and only an admin can change them.</ReadOnlyNote> : null}
        <div className="grid gap-x-6 gap-y-5 sm:grid-cols-2 lg:grid-cols-3">
          {THRESHOLD_KEYS.map((key) => (
            <ThresholdInput
              key={key}
              idPrefix="fleet"
              field={THRESHOLD_FIELDS[key]}
              value={values[key]}
              onChange={(v) => {
                setSavedVersion(null);
                setDraft({ ...values, [key]: v });
              }}
              error={errors[key]}
              disabled={!isAdmin}
            />
          ))}
        </div>
        {isAdmin ? (
          <div className="mt-6 flex flex-wrap items-center gap-3 border-t border-slate-100 pt-4">
            <button type="submit" className={BUTTON_PRIMARY} disabled={!dirty || problems > 0 || update.isPending}>
              {update.isPending ? "Saving…" : "Save thresholds"}
            </button>
            <button type="button" className={BUTTON_SECONDARY} disabled={!dirty || update.isPending} onClick={() => { setDraft(null); update.reset(); }}>
              Discard changes
            </button>
            <p aria-live="polite" className="text-sm">
              {problems > 0 ? <span className="text-red-700">Fix {problems === 1 ? "the highlighted field" : `the ${problems} highlighted fields`} to save.</span> : null}
              {problems === 0 && dirty && !update.isPending ? <span className="text-slate-600">{Object.keys(patch).length} unsaved change{Object.keys(patch).length === 1 ? "" : "s"}</span> : null}
              {savedVersion !== null && !dirty ? <span className="text-emerald-700">Saved as version {savedVersion}. Agents apply it on their next heartbeat.</span> : null}
            </p>
          </div>
        ) : null}
        {update.isError ? (
          <div role="alert" className="mt-3 rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-900">
            {update.error.message}
            {conflict ? (
              <button type="button" className="ml-2 font-medium underline" onClick={() => { setDraft(null); update.reset(); void settings.refetch(); }}>
                Load the current values
              </button>
            ) : null}
          </div>
        ) : null}
      </form>
    );
  })();

  return (
    <Panel
      id="fleet-thresholds"
      title="Fleet thresholds"
      description={<>Every node uses these unless it overrides them. Percentages must keep the order sweep ≤ cleanup ≤ memory cap ≤ admission max.{settings.data ? <span className="ml-1 text-slate-500">Version {settings.data.version}.</span> : null}</>}
    >
      {body}
    </Panel>
  );
}
