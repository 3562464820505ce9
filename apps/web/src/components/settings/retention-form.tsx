"use client";
// How long memory samples, files and results are kept. Like the thresholds' form: problems show as
// you type (the protocol's retentionIssues, which the server runs too), changes are audited, and
// viewers see the values read-only. An empty "Files and results" keeps them.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { retentionIssues, ZRetentionSchema, type TRetention } from "@headroom/protocol";
import { BUTTON_PRIMARY, BUTTON_SECONDARY, Panel, ReadOnlyNote } from "@/components/ui/panel";
import { ErrorState, LoadingBlock } from "@/components/ui/states";
import { errorCodeOf, useTRPC } from "@/lib/trpc/react";
import { RETENTION_FIELDS, RETENTION_KEYS, type TRetentionKey } from "@/server/retention/fields";
import { ThresholdInput } from "./threshold-input";

type TRetentionDraft = Record<TRetentionKey, string>;

const draftOf = (r: TRetention): TRetentionDraft => ({
  rawSampleHours: String(r.rawSampleHours),
  rollupRetentionDays: String(r.rollupRetentionDays),
  fileRetentionDays: r.fileRetentionDays === null ? "" : String(r.fileRetentionDays),
});

const valuesOf = (d: TRetentionDraft): TRetention => ({
  rawSampleHours: d.rawSampleHours.trim() === "" ? Number.NaN : Number(d.rawSampleHours),
  rollupRetentionDays: d.rollupRetentionDays.trim() === "" ? Number.NaN : Number(d.rollupRetentionDays),
  fileRetentionDays: d.fileRetentionDays.trim() === "" ? null : Number(d.fileRetentionDays),
});

const bounds = (key: TRetentionKey) => {
  const shape = ZRetentionSchema.shape[key];
  const n = "unwrap" in shape ? shape.unwrap() : shape;
  return { min: n.minValue ?? 0, max: n.maxValue ?? null };
};

export function RetentionForm({ isAdmin }: { isAdmin: boolean }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const settings = useQuery(trpc.settings.retention.get.queryOptions());
  const [draft, setDraft] = useState<TRetentionDraft | null>(null);
  const [savedVersion, setSavedVersion] = useState<number | null>(null);
  const update = useMutation({
    ...trpc.settings.retention.update.mutationOptions(),
    onSuccess: (data) => {
      qc.setQueryData(trpc.settings.retention.get.queryKey(), data);
      setDraft(null);
      setSavedVersion(data.version);
    },
    onSettled: () => qc.invalidateQueries({ queryKey: trpc.settings.audit.list.queryKey() }),
  });

  const body = (() => {
    if (settings.isPending) return <LoadingBlock label="Loading retention" />;
    if (settings.isError) return <ErrorState title="Could not load retention" message={settings.error.message} onRetry={() => void settings.refetch()} />;
    const stored = settings.data;
    const values = draft ?? draftOf(stored);
    const next = valuesOf(values);
    const issues = retentionIssues(next);
    const patch = Object.fromEntries(RETENTION_KEYS.filter((k) => next[k] !== stored[k]).map((k) => [k, next[k]])) as Partial<TRetention>;
    const dirty = Object.keys(patch).length > 0;

    const onSubmit = (e: FormEvent) => {
      e.preventDefault();
      if (!isAdmin || !dirty || issues.length > 0) return;
      setSavedVersion(null);
      update.mutate({ changes: patch, expectedVersion: stored.version });
    };

    return (
      <form onSubmit={onSubmit} noValidate aria-label="Retention">
        {!isAdmin ? <ReadOnlyNote>You are signed in as a viewer: these are the values in force, and only an admin can change them.</ReadOnlyNote> : null}
        <div className="grid gap-x-6 gap-y-5 sm:grid-cols-2 lg:grid-cols-3">
          {RETENTION_KEYS.map((key) => (
            <ThresholdInput
              key={key}
              idPrefix="retention"
              field={{ key, ...RETENTION_FIELDS[key], ...bounds(key), integer: true }}
              value={values[key]}
              placeholder={RETENTION_FIELDS[key].nullable ? "keep" : undefined}
              onChange={(v) => {
                setSavedVersion(null);
                setDraft({ ...values, [key]: v });
              }}
              disabled={!isAdmin}
            />
          ))}
        </div>
        {issues.length > 0 ? <ul className="mt-3 list-disc pl-5 text-xs font-medium text-red-700">{issues.map((i) => <li key={i}>{i}</li>)}</ul> : null}
        {isAdmin ? (
          <div className="mt-6 flex flex-wrap items-center gap-3 border-t border-slate-100 pt-4">
            <button type="submit" className={BUTTON_PRIMARY} disabled={!dirty || issues.length > 0 || update.isPending}>
              {update.isPending ? "Saving…" : "Save retention"}
            </button>
            <button type="button" className={BUTTON_SECONDARY} disabled={!dirty || update.isPending} onClick={() => { setDraft(null); update.reset(); }}>
              Discard changes
            </button>
            <p aria-live="polite" className="text-sm">
              {savedVersion !== null && !dirty ? <span className="text-emerald-700">Saved as version {savedVersion}. The next retention pass uses it.</span> : null}
            </p>
          </div>
        ) : null}
        {update.isError ? (
          <div role="alert" className="mt-3 rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-900">
            {update.error.message}
            {errorCodeOf(update.error) === "CONFLICT" ? (
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
      id="retention"
      title="Retention"
      description={<>Raw memory samples become 1-minute buckets after their window; buckets, files and results go after theirs. Jobs and their events are never removed.{settings.data ? <span className="ml-1 text-slate-500">Version {settings.data.version}.</span> : null}</>}
    >
      {body}
    </Panel>
  );
}
