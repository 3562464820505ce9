// What the UI calls a node's state and which thresholds it overrides. Pure, so the REST
// /api/v1/nodes view and the tRPC one can agree.
import { DEFAULT_THRESHOLDS, type TThresholds } from "@headroom/protocol";

export type TNodeState = "online" | "offline" | "drained";

/**
 * Offline when marked so, or when its last heartbeat is older than offlineAfterMs (the sweeper
 * may not have run yet); a live node an admin drained is "drained".
 */
export function nodeState(
  node: { status: "ONLINE" | "OFFLINE"; drained: boolean; lastHeartbeatAt: Date | null },
  nowMs: number,
  offlineAfterMs: number,
): TNodeState {
  if (node.status === "OFFLINE") return "offline";
  if (node.lastHeartbeatAt === null || nowMs - node.lastHeartbeatAt.getTime() > offlineAfterMs) return "offline";
  return node.drained ? "drained" : "online";
}

type TThresholdKey = keyof TThresholds;
const THRESHOLD_KEYS = Object.keys(DEFAULT_THRESHOLDS) as TThresholdKey[];

/**
 * The thresholds a node sets itself (non-null override fields), in the canonical order. The
 * values in force come from @headroom/policy's effectiveThresholds, the scheduler's own rule.
 */
export function overriddenThresholdKeys(override: { [K in TThresholdKey]?: TThresholds[K] | null } | null): TThresholdKey[] {
  if (!override) return [];
  return THRESHOLD_KEYS.filter((key) => override[key] !== null && override[key] !== undefined);
}

/** Used share of total memory in percent (0–100, one decimal), or null when total is unknown. */
export function usedPct(usedMiB: number, totalMiB: number): number | null {
  if (totalMiB <= 0) return null;
  return Math.round((usedMiB / totalMiB) * 1000) / 10;
}
