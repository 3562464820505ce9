// The retention settings as people see them: label, unit and what each does. Pure and
// browser-safe, like ../settings/fields.ts for the thresholds; the bounds come from the protocol
// schema (ZRetentionSchema).
import { DEFAULT_RETENTION, type TRetention } from "@headroom/protocol";

export type TRetentionKey = keyof TRetention;

/** Every retention setting, in the order forms and audit entries show them. */
export const RETENTION_KEYS = Object.keys(DEFAULT_RETENTION) as TRetentionKey[];

/** The audit scope of retention changes (thresholds use "fleet" or a node id). */
export const RETENTION_SCOPE = "retention";

export const RETENTION_FIELDS: Readonly<Record<TRetentionKey, { label: string; unit: string; help: string; nullable: boolean }>> = {
  rawSampleHours: { label: "Raw memory samples", unit: "h", help: "Samples stay as sent for this long, then become 1-minute buckets (min, max, average).", nullable: false },
  rollupRetentionDays: { label: "1-minute buckets", unit: "days", help: "Rolled-up memory buckets older than this are deleted.", nullable: false },
  fileRetentionDays: { label: "Files and results", unit: "days", help: "Uploaded files and OCR results are removed this long after the job finished; empty keeps them. Jobs and their events stay.", nullable: true },
};

export function isRetentionKey(field: string): field is TRetentionKey {
  return Object.hasOwn(RETENTION_FIELDS, field);
}

/** "48 h", "30 days", "kept". */
export function formatRetention(key: TRetentionKey, value: number | null | undefined): string {
  if (value === null || value === undefined) return RETENTION_FIELDS[key].nullable ? "kept" : "—";
  return `${value} ${RETENTION_FIELDS[key].unit}`;
}
