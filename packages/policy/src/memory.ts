// The memory arithmetic, written once: usage %, the minimum free, the cap, the usable limit and the
// budget. Placement (placement.ts), reclaim (reclaim.ts) and the agent's rules (apps/gpu-node/src/
// rules) all call these, so a threshold means the same thing wherever it is checked. Everything is
// in MiB unless its name says Pct; a reading's total is already budgeted (see applyMemoryBudget).
import type { TThresholds } from "@headroom/protocol";

/** The part of a reading that usage depends on, in MiB. */
export type TMemoryUse = { usedMiB: number; totalMiB: number };
/** A reading as the rules see it, in MiB: free is the device's own figure, not total − used. */
export type TMemoryReadingMiB = TMemoryUse & { freeMiB: number };

/** Used share of total in percent (0..100, more when used passes a budget). A zero total counts as full, so nothing is admitted on it. */
export function usagePct(m: TMemoryUse): number {
  if (m.totalMiB <= 0) return 100;
  return (m.usedMiB / m.totalMiB) * 100;
}

/** Is usage strictly above `pct` percent? Admission, the cap, cleanup and the sweep all ask this. */
export function usageAbove(m: TMemoryUse, pct: number): boolean {
  return usagePct(m) > pct;
}

/** Why admission refuses a reading: usage above admissionMaxUsagePct first, then free under admissionMinFreeMiB; null when it admits. */
export function admissionFailure(m: TMemoryReadingMiB, t: TThresholds): "usage" | "free" | null {
  if (usageAbove(m, t.admissionMaxUsagePct)) return "usage";
  if (m.freeMiB < t.admissionMinFreeMiB) return "free";
  return null;
}

/** The cap in MiB: memoryCapPct of total, rounded down. For whole MiB, `used > capMiB` exactly when `usageAbove(used, memoryCapPct)`. */
export function capMiB(totalMiB: number, t: TThresholds): number {
  return Math.floor((totalMiB * t.memoryCapPct) / 100);
}

/** The most a node may use and still keep admissionMinFreeMiB free, in MiB (placement counts free as total − used). */
export function minFreeLimitMiB(totalMiB: number, t: TThresholds): number {
  return totalMiB - t.admissionMinFreeMiB;
}

/** Placement's limit, in MiB: the cap or the minimum-free limit, whichever is lower. Headroom is this − used − reserved. */
export function effectiveLimitMiB(totalMiB: number, t: TThresholds): number {
  return Math.min(capMiB(totalMiB, t), minFreeLimitMiB(totalMiB, t));
}

/** The most a job may bring the node to, in MiB: the placement limit, or admission's usage limit if lower. */
export function usableMiB(totalMiB: number, t: TThresholds): number {
  return Math.min(effectiveLimitMiB(totalMiB, t), Math.floor((totalMiB * t.admissionMaxUsagePct) / 100));
}

/** What a job may still bring to the node now, in MiB: usable − used (negative when the node is past it). Reclaim asks this of a job's need. */
export function reclaimHeadroomMiB(m: { totalMiB: number; usedMiB: number }, t: TThresholds): number {
  return usableMiB(m.totalMiB, t) - m.usedMiB;
}

/** The device total the memory rules work with, in MiB: the physical total, capped by a budget > 0 (0 = no budget). */
export function budgetedTotalMiB(physicalTotalMiB: number, budgetMiB: number): number {
  return budgetMiB > 0 ? Math.min(physicalTotalMiB, budgetMiB) : physicalTotalMiB;
}

/**
 * A reading as the rules see it under a budget (0 = the whole device: the same object back):
 * totalMiB = min(physical total, budget); usedMiB unchanged (memory used by anyone counts against
 * the budget); freeMiB = what is left of the budget, never more than the device reports free
 * (the driver keeps some memory that is neither used nor free), never below 0. Other fields pass through.
 */
export function applyMemoryBudget<R extends TMemoryReadingMiB>(reading: R, budgetMiB: number): R {
  const totalMiB = budgetedTotalMiB(reading.totalMiB, budgetMiB);
  if (totalMiB === reading.totalMiB) return reading;
  return { ...reading, totalMiB, freeMiB: Math.max(0, Math.min(reading.freeMiB, totalMiB - reading.usedMiB)) };
}
