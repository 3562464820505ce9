import type { Db } from "@headroom/db";
import { effectiveThresholds, settingsVersion } from "@headroom/policy";
import type { TThresholds } from "@headroom/protocol";

/** Thresholds in force on one node and their version, as sent to the agent at registration and on every heartbeat. */
export async function nodeSettings(db: Db, nodeId: string): Promise<{ thresholds: TThresholds; settingsVersion: number }> {
  const [fleet, override] = await Promise.all([db.fleetSettings.findUnique({ where: { id: 1 } }), db.nodeSettingsOverride.findUnique({ where: { nodeId } })]);
  return { thresholds: effectiveThresholds(fleet, override), settingsVersion: settingsVersion(fleet?.version ?? 1, override?.version ?? null) };
}
