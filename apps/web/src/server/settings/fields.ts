// The thresholds as people see them: label, unit and what each rule does, plus the bounds the
// protocol schema (ZThresholdsSchema) sets. Pure and browser-safe: the settings forms use it for
// instant feedback, and the server uses the same table to give the authoritative answer.
import { DEFAULT_THRESHOLDS, ZThresholdsSchema, type TThresholds } from "@headroom/protocol";

export type TThresholdKey = keyof TThresholds;

/** Every threshold, in the order forms and audit entries show them. */
export const THRESHOLD_KEYS = Object.keys(DEFAULT_THRESHOLDS) as TThresholdKey[];

export type TThresholdField = {
  key: TThresholdKey;
  label: string;
  /** Shown after the value: "%", "MiB", "s", "ms", "images". */
  unit: string;
  help: string;
  min: number;
  /** null when the schema sets no upper bound. */
  max: number | null;
  integer: boolean;
};

const TEXT: Record<TThresholdKey, [label: string, unit: string, help: string]> = {
  admissionMaxUsagePct: ["Admission max usage", "%", "Refuse a job when the device is used above this."],
  admissionMinFreeMiB: ["Admission min free", "MiB", "Refuse a job when less than this is free."],
  memoryCapPct: ["Memory cap", "%", "The runner may not use more than this share of total memory."],
  cleanupAbovePct: ["Cleanup above", "%", "After a job, clean up when usage is above this."],
  batchCleanupEvery: ["Batch cleanup every", "images", "Clean up after this many images of a batch."],
  sweepIntervalS: ["Sweep interval", "s", "How often the periodic sweep runs."],
  sweepAbovePct: ["Sweep above", "%", "The periodic sweep cleans up when usage is above this."],
  sampleIntervalMs: ["Sample interval", "ms", "Memory is sampled this often while a job runs."],
  jobTimeoutS: ["Job timeout", "s", "A job running longer than this fails."],
  alertAbovePct: ["Alert above", "%", "Nodes used above this show as alerting."],
  memoryBudgetMiB: ["Memory budget", "MiB", "The most device memory Headroom treats as this GPU's; 0 = all of it. Every percentage applies to this budget."],
};

// zod reports "no upper bound" as Infinity, or as MAX_SAFE_INTEGER for .int() numbers.
const unbounded = (n: number) => !Number.isFinite(n) || n >= Number.MAX_SAFE_INTEGER;

export const THRESHOLD_FIELDS: Readonly<Record<TThresholdKey, TThresholdField>> = Object.fromEntries(
  THRESHOLD_KEYS.map((key) => {
    const schema = ZThresholdsSchema.shape[key];
    const [label, unit, help] = TEXT[key];
    const max = schema.maxValue;
    return [key, { key, label, unit, help, min: schema.minValue ?? 0, max: max === null || unbounded(max) ? null : max, integer: Boolean(schema.isInt) }];
  }),
) as Record<TThresholdKey, TThresholdField>;

/** "80 %", "500 MiB", "5 images". */
export function formatThreshold(key: TThresholdKey, value: number | null | undefined): string {
  if (value === null || value === undefined) return "—";
  return `${value} ${THRESHOLD_FIELDS[key].unit}`;
}
