// The per-GPU memory budget (thresholds.memoryBudgetMiB): Headroom treats at most that many MiB of
// the device as its own. The agent applies it to every reading before anything looks at it
// (admission, cleanup, sweep, the in-flight cap, samples, heartbeats), so every percentage rule,
// and the scheduler's totalMiB × memoryCapPct, works on the budget. (The scheduler also clamps the
// stored total itself, for the heartbeat between a budget change and this agent's next report.)
// The arithmetic is @headroom/policy's applyMemoryBudget; this file is the reader that applies it.
import { applyMemoryBudget } from "@headroom/policy";
import type { TMemoryReading } from "@headroom/protocol";
import type { MemoryReader } from "../telemetry/index.ts";

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
