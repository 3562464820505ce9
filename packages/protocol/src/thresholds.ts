import { z } from "zod";

/** The memory rules' thresholds. Defaults are the original single-GPU service's rules. */
export const ZThresholdsSchema = z.object({
  admissionMaxUsagePct: z.number().min(1).max(100),
  admissionMinFreeMiB: z.number().int().min(0),
  memoryCapPct: z.number().min(1).max(100),
  cleanupAbovePct: z.number().min(0).max(100),
  batchCleanupEvery: z.number().int().min(1),
  sweepIntervalS: z.number().int().min(5),
  sweepAbovePct: z.number().min(0).max(100),
  sampleIntervalMs: z.number().int().min(50).max(250),
  jobTimeoutS: z.number().int().min(1),
  alertAbovePct: z.number().min(1).max(100),
});
export type TThresholds = z.infer<typeof ZThresholdsSchema>;

export const DEFAULT_THRESHOLDS: TThresholds = {
  admissionMaxUsagePct: 95,
  admissionMinFreeMiB: 500,
  memoryCapPct: 90,
  cleanupAbovePct: 80,
  batchCleanupEvery: 5,
  sweepIntervalS: 300,
  sweepAbovePct: 70,
  sampleIntervalMs: 250,
  jobTimeoutS: 300,
  alertAbovePct: 90,
};
