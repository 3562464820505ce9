import { DEFAULT_THRESHOLDS, type TThresholds } from "@headroom/protocol";

type TOverride = { [K in keyof TThresholds]?: TThresholds[K] | null };

/**
 * Thresholds in force on a node: the fleet's, with the node's non-null overrides on top. Every key
 * of the protocol's thresholds merges the same way, memoryBudgetMiB included.
 *
 * Placement (placement.ts) does not read memoryBudgetMiB: the agent applies the budget to every
 * reading it reports (apps/gpu-node/src/rules/memory-budget.ts), so Node.totalMiB is already
 * min(physical total, budget) and totalMiB × memoryCapPct is a share of the budget. Applying it a
 * second time here would only matter for the one heartbeat (~2 s) between a budget change and the
 * agent's next report; a job placed in that window is re-checked by the agent's own admission on
 * the budgeted reading and refused back to the queue if it does not fit.
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
