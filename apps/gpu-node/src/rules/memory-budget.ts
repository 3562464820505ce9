// The per-GPU memory budget (thresholds.memoryBudgetMiB): Headroom treats at most that many MiB of
// the device as its own. The agent applies it to every reading before anything looks at it
// (admission, cleanup, sweep, the in-flight cap, samples, heartbeats), so every percentage rule,
// and the scheduler's totalMiB × memoryCapPct, works on the budget. (The scheduler also clamps the
// stored total itself, for the heartbeat between a budget change and this agent's next report.)
import { budgetedTotalMiB, type TMemoryReading } from "@headroom/protocol";
import type { MemoryReader } from "../telemetry/index.ts";
import type { TRuleReading } from "./memory-rules.ts";

/**
 * A reading as the rules see it under a budget (0 = the whole device, reading unchanged):
 * totalMiB = min(physical total, budget); usedMiB unchanged (memory used by anyone counts against
 * the budget); freeMiB = what is left of the budget, never more than the device reports free
 * (the driver keeps some memory that is neither used nor free), never below 0.
 */
export function applyMemoryBudget<R extends TRuleReading>(reading: R, budgetMiB: number): R {
  const totalMiB = budgetedTotalMiB(reading.totalMiB, budgetMiB);
  if (totalMiB === reading.totalMiB) return reading;
  return { ...reading, totalMiB, freeMiB: Math.max(0, Math.min(reading.freeMiB, totalMiB - reading.usedMiB)) };
}

/** A reader whose readings are budgeted by the budget in force at each read; keeps the last physical reading. */
export class BudgetedMemoryReader implements MemoryReader {
  /** The last reading as the device gave it, before the budget (for reporting the physical total). */
  lastPhysical: TMemoryReading | null = null;

  constructor(
    private readonly device: MemoryReader,
    private readonly budgetMiB: () => number,
  ) {}

  async read(): Promise<TMemoryReading> {
    const physical = await this.device.read();
    this.lastPhysical = physical;
    return applyMemoryBudget(physical, this.budgetMiB());
  }
}
