// A CPU node's "device" is host memory: the runners' resident sets (plus the agent's own) against a
// configured budget, so the same memory rules run on a laptop or in CI. Pure parsing and arithmetic.
import type { TMemoryReading } from "@headroom/protocol";

const KIB_PER_MIB = 1024;

/** VmRSS from /proc/<pid>/status, in MiB; null when the field is missing (kernel threads, a zombie). */
export function parseVmRssMiB(statusText: string): number | null {
  const m = /^VmRSS:\s+(\d+)\s+kB$/m.exec(statusText);
  return m?.[1] === undefined ? null : Number(m[1]) / KIB_PER_MIB;
}

/**
 * The runners' RSS summed, in MiB, from each one's /proc/<pid>/status text: null where the file could
 * not be read (the process exited between listing and reading: it holds nothing any more), and a
 * status without VmRSS (a zombie), both count 0.
 */
export function sumRssMiB(statusTexts: readonly (string | null)[]): number {
  return statusTexts.reduce((sum, text) => sum + (text === null ? 0 : (parseVmRssMiB(text) ?? 0)), 0);
}

/** MemTotal and MemAvailable from /proc/meminfo, in MiB. */
export function parseMemInfo(text: string): { totalMiB: number; availableMiB: number } {
  const field = (name: string) => {
    const m = new RegExp(`^${name}:\\s+(\\d+)\\s+kB$`, "m").exec(text);
    if (m?.[1] === undefined) throw new Error(`/proc/meminfo has no ${name}`);
    return Number(m[1]) / KIB_PER_MIB;
  };
  return { totalMiB: field("MemTotal"), availableMiB: field("MemAvailable") };
}

export type THostMemoryInput = {
  /** The runners' RSS summed (sumRssMiB); 0 while none is alive. */
  runnerRssMiB: number;
  agentRssMiB: number;
  budgetMiB: number;
  /** The host's MemAvailable: the budget is no promise if the host itself runs short. */
  hostAvailableMiB: number;
};

export function hostReading(i: THostMemoryInput): TMemoryReading {
  const usedMiB = Math.round(i.runnerRssMiB + i.agentRssMiB);
  const freeMiB = Math.max(0, Math.round(Math.min(i.budgetMiB - usedMiB, i.hostAvailableMiB)));
  return {
    usedMiB,
    totalMiB: Math.round(i.budgetMiB),
    freeMiB,
    processMiB: Math.round(i.runnerRssMiB),
    utilPct: null,
    source: "host",
  };
}
