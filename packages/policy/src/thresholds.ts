import { DEFAULT_THRESHOLDS, type TThresholds } from "@headroom/protocol";

type TOverride = { [K in keyof TThresholds]?: TThresholds[K] | null };

/**
 * Thresholds in force on a node: the fleet's, with the node's non-null overrides on top. Every key
 * of the protocol's thresholds merges the same way, memoryBudgetMiB included.
 *
 * Placement (placement.ts) does not read memoryBudgetMiB: its nodes' totalMiB is already
 * min(physical total, budget). The agent reports budgeted readings (applyMemoryBudget, memory.ts),
 * and the tick applies the budget again when it loads the fleet (idempotent), for
 * the heartbeat between a budget change and the agent's next report.
 */
export function effectiveThresholds(fleet: Partial<TThresholds> | null, override: TOverride | null): TThresholds {
  const out: TThresholds = { ...DEFAULT_THRESHOLDS };
  for (const key of Object.keys(DEFAULT_THRESHOLDS) as (keyof TThresholds)[]) {
    const fleetValue = fleet?.[key];
    if (typeof fleetValue === "number") out[key] = fleetValue;
    const nodeValue = override?.[key];
    if (typeof nodeValue === "number") out[key] = nodeValue;
  }
  return out;
}

/** Settings version an agent reports back once it applied them: fleet and node versions together. */
export function settingsVersion(fleetVersion: number, overrideVersion: number | null): number {
  return fleetVersion * 100_000 + (overrideVersion ?? 0);
}
