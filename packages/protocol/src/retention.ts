import { z } from "zod";

/**
 * How long Headroom keeps what grows without end (issue 13 part 4). Memory samples are kept raw for
 * `rawSampleHours`, then rolled up into 1-minute buckets kept for `rollupRetentionDays`. Uploaded
 * files and results are removed `fileRetentionDays` after the job finished; null keeps them.
 * A job's row and events are never removed by retention.
 */
export const ZRetentionSchema = z.object({
  /** Raw samples newer than this many hours stay as they were sent; older ones are rolled up. */
  rawSampleHours: z.number().int().min(1).max(24 * 90),
  /** 1-minute buckets older than this many days are deleted. */
  rollupRetentionDays: z.number().int().min(1).max(3650),
  /** Files and results of jobs finished this many days ago are removed; null = keep them. */
  fileRetentionDays: z.number().int().min(1).max(3650).nullable(),
});
export type TRetention = z.infer<typeof ZRetentionSchema>;

export const DEFAULT_RETENTION: TRetention = { rawSampleHours: 48, rollupRetentionDays: 30, fileRetentionDays: null };

/** Problems with a retention set as plain messages; empty when it is usable. */
export function retentionIssues(r: TRetention): string[] {
  const parsed = ZRetentionSchema.safeParse(r);
  const issues = parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
  // Rolled-up buckets must outlive the raw window, or a rollup would write rows already due for deletion.
  if (parsed.success && r.rollupRetentionDays * 24 < r.rawSampleHours) {
    issues.push(`rollupRetentionDays (${r.rollupRetentionDays} days) must cover at least rawSampleHours (${r.rawSampleHours} h)`);
  }
  return issues;
}
