import { z } from "zod";

/** The smallest memory budget an operator may set, in MiB: below it no model fits; 0 means "no budget". */
export const MIN_MEMORY_BUDGET_MIB = 256;

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
  /**
   * The most device memory Headroom treats as this GPU's, in MiB; 0 = all of it. The agent reports
   * min(physical total, budget) as the device's total, so every percentage above applies to it.
   */
  memoryBudgetMiB: z
    .number()
    .int()
    .min(0)
    .refine((v) => v === 0 || v >= MIN_MEMORY_BUDGET_MIB, { message: `must be 0 or at least ${MIN_MEMORY_BUDGET_MIB} MiB` }),
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
  memoryBudgetMiB: 0,
};
