// What the UI calls a node's state, and the thresholds in force on it. Pure, so the REST
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
 * Fleet values (DEFAULT_THRESHOLDS where the fleet row is missing) overlaid with a node's non-null
 * overrides; `overridden` lists the fields the node sets itself.
 */
export function effectiveThresholds(
  fleet: TThresholds | null,
  override: { [K in TThresholdKey]?: TThresholds[K] | null } | null,
): { thresholds: TThresholds; overridden: TThresholdKey[] } {
  const thresholds: TThresholds = { ...DEFAULT_THRESHOLDS };
  const overridden: TThresholdKey[] = [];
  for (const key of THRESHOLD_KEYS) {
    const own = override?.[key];
    if (own !== null && own !== undefined) {
      thresholds[key] = own;
      overridden.push(key);
    } else if (fleet) {
      thresholds[key] = fleet[key];
    }
  }
  return { thresholds, overridden };
}

/** Used share of total memory in percent (0–100, one decimal), or null when total is unknown. */
export function usedPct(usedMiB: number, totalMiB: number): number | null {
  if (totalMiB <= 0) return null;
  return Math.round((usedMiB / totalMiB) * 1000) / 10;
}
