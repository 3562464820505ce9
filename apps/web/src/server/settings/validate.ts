// Pure checks on a complete set of thresholds: each value in its range, and the percentages in an
// order that makes sense together. Browser-safe (the forms run it on every keystroke); the
// settings service runs the same function before anything is written.
import { AppError, MIN_MEMORY_BUDGET_MIB, type TThresholds } from "@headroom/protocol";
import { formatThreshold, THRESHOLD_FIELDS, THRESHOLD_KEYS, type TThresholdKey } from "./fields";

export type TThresholdIssue = {
  /** The fields the problem is about; an order problem names both ends. */
  fields: TThresholdKey[];
  message: string;
};

/**
 * Lowest to highest: the sweep starts before the after-job cleanup, which starts before the cap
 * is reached, which is below the point where jobs are refused. Checking neighbours is enough.
 */
export const THRESHOLD_ORDER: readonly TThresholdKey[] = ["sweepAbovePct", "cleanupAbovePct", "memoryCapPct", "admissionMaxUsagePct"];

function rangeIssue(key: TThresholdKey, value: number): string | null {
  const f = THRESHOLD_FIELDS[key];
  if (typeof value !== "number" || !Number.isFinite(value)) return `${f.label} must be a number`;
  if (f.integer && !Number.isInteger(value)) return `${f.label} must be a whole number of ${f.unit}`;
  if (f.max !== null && (value < f.min || value > f.max)) return `${f.label} must be between ${f.min} and ${f.max} ${f.unit}`;
  if (value < f.min) return `${f.label} must be at least ${f.min} ${f.unit}`;
  // Under 256 MiB no model fits: a tiny budget would only refuse every job.
  if (key === "memoryBudgetMiB" && value > 0 && value < MIN_MEMORY_BUDGET_MIB) {
    return `${f.label} must be 0 (the whole device) or at least ${MIN_MEMORY_BUDGET_MIB} ${f.unit}`;
  }
  return null;
}

/** Every problem with `t`, in field order; empty when the set is usable. */
export function thresholdIssues(t: TThresholds): TThresholdIssue[] {
  const issues: TThresholdIssue[] = [];
  const badRange = new Set<TThresholdKey>();
  for (const key of THRESHOLD_KEYS) {
    const message = rangeIssue(key, t[key]);
    if (message) {
      badRange.add(key);
      issues.push({ fields: [key], message });
    }
  }
  for (let i = 0; i + 1 < THRESHOLD_ORDER.length; i++) {
    const lo = THRESHOLD_ORDER[i]!;
    const hi = THRESHOLD_ORDER[i + 1]!;
    // A value that is not even a number already has its message; comparing it says nothing more.
    if (badRange.has(lo) && !Number.isFinite(t[lo])) continue;
    if (badRange.has(hi) && !Number.isFinite(t[hi])) continue;
    if (t[lo] > t[hi]) {
      const a = THRESHOLD_FIELDS[lo];
      const b = THRESHOLD_FIELDS[hi];
      issues.push({
        fields: [lo, hi],
        message: `${a.label} (${formatThreshold(lo, t[lo])}) must not be above ${b.label.toLowerCase()} (${formatThreshold(hi, t[hi])})`,
      });
    }
  }
  // A floor of free memory as large as the whole budget would refuse every job.
  const budget = t.memoryBudgetMiB;
  if (!badRange.has("memoryBudgetMiB") && !badRange.has("admissionMinFreeMiB") && budget > 0 && t.admissionMinFreeMiB >= budget) {
    issues.push({
      fields: ["admissionMinFreeMiB", "memoryBudgetMiB"],
      message: `Admission min free (${formatThreshold("admissionMinFreeMiB", t.admissionMinFreeMiB)}) must be below the memory budget (${formatThreshold("memoryBudgetMiB", budget)})`,
    });
  }
  return issues;
}

/** The first message for each field, for showing under its input. */
export function issuesByField(issues: readonly TThresholdIssue[]): Partial<Record<TThresholdKey, string>> {
  const out: Partial<Record<TThresholdKey, string>> = {};
  for (const issue of issues) for (const key of issue.fields) out[key] ??= issue.message;
  return out;
}

/** Throws AppError INVALID_INPUT naming every problem; `context` says whose thresholds they are. */
export function assertValidThresholds(t: TThresholds, context?: string): void {
  const issues = thresholdIssues(t);
  if (issues.length === 0) return;
  const text = issues.map((i) => i.message).join("; ");
  throw new AppError("INVALID_INPUT", context ? `${context}: ${text}` : text);
}

export type TThresholdChange = { field: TThresholdKey; from: number | null; to: number | null };

/** The fields whose value differs, in field order, as audit entries record them. */
export function diffValues(
  from: Partial<Record<TThresholdKey, number | null>>,
  to: Partial<Record<TThresholdKey, number | null>>,
): TThresholdChange[] {
  const changes: TThresholdChange[] = [];
  for (const field of THRESHOLD_KEYS) {
    const a = from[field] ?? null;
    const b = to[field] ?? null;
    if (a !== b) changes.push({ field, from: a, to: b });
  }
  return changes;
}
