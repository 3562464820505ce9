import type { Db } from "@headroom/db";
import type { TThresholds } from "@headroom/protocol";
import { effectiveThresholds, settingsVersion } from "@headroom/policy";

/** Thresholds in force on one node and their version, as sent to the agent on every heartbeat. */
export async function nodeSettings(db: Db, nodeId: string): Promise<{ thresholds: TThresholds; settingsVersion: number }> {
  const [fleet, override] = await Promise.all([db.fleetSettings.findUnique({ where: { id: 1 } }), db.nodeSettingsOverride.findUnique({ where: { nodeId } })]);
  return { thresholds: effectiveThresholds(fleet, override), settingsVersion: settingsVersion(fleet?.version ?? 1, override?.version ?? null) };
}
