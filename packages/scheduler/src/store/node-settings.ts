import type { Db } from "@headroom/db";
import { effectiveThresholds, settingsVersion } from "@headroom/policy";
import type { TThresholds } from "@headroom/protocol";

type TSettingsRow = Partial<Record<keyof TThresholds, number | null>> & { version: number };

/**
 * Thresholds in force on one node and their version, as sent to the agent at registration and on every
 * heartbeat. One statement reads the fleet's row and the node's override (each as JSON, every field a
 * number or null), not two: at every node every 2 s, a round trip saved is a fleet's worth of CPU.
 */
export async function nodeSettings(db: Db, nodeId: string): Promise<{ thresholds: TThresholds; settingsVersion: number }> {
  const [row] = await db.$queryRaw<{ fleet: TSettingsRow | null; override: TSettingsRow | null }[]>`
    SELECT (SELECT to_jsonb(f) FROM "FleetSettings" f WHERE f.id = 1) AS fleet,
           (SELECT to_jsonb(o) FROM "NodeSettingsOverride" o WHERE o."nodeId" = ${nodeId}::uuid) AS override`;
  const { fleet = null, override = null } = row ?? {};
  return { thresholds: effectiveThresholds(fleet as Partial<TThresholds> | null, override), settingsVersion: settingsVersion(fleet?.version ?? 1, override?.version ?? null) };
}
