import { Prisma, type Db } from "@headroom/db";
import { effectiveThresholds, settingsVersion } from "@headroom/policy";
import type { TThresholds } from "@headroom/protocol";

type TSettingsRow = Partial<Record<keyof TThresholds, number | null>> & { version: number };
export type TNodeSettings = { thresholds: TThresholds; settingsVersion: number };
/** What settingsColumns reads: the fleet's row and the node's override, each as JSON or null. */
export type TSettingsRows = { fleet: TSettingsRow | null; override: TSettingsRow | null };

/**
 * The two columns, `fleet` and `override`, that read a node's settings rows (each as JSON, every field
 * a number or null): for a statement of their own, or in the RETURNING of the heartbeat's update, so
 * that a heartbeat's settings cost no round trip of their own.
 */
export function settingsColumns(nodeId: Prisma.Sql): Prisma.Sql {
  return Prisma.sql`(SELECT to_jsonb(f) FROM "FleetSettings" f WHERE f.id = 1) AS fleet,
    (SELECT to_jsonb(o) FROM "NodeSettingsOverride" o WHERE o."nodeId" = ${nodeId}) AS override`;
}

/** The thresholds in force and their version, from the rows settingsColumns read. */
export function settingsFrom({ fleet, override }: TSettingsRows): TNodeSettings {
  return { thresholds: effectiveThresholds(fleet as Partial<TThresholds> | null, override), settingsVersion: settingsVersion(fleet?.version ?? 1, override?.version ?? null) };
}

/**
 * Thresholds in force on one node and their version, as sent to the agent at registration (a
 * heartbeat reads them in its own statement, recordHeartbeat). One statement reads the fleet's row and
 * the node's override, not two.
 */
export async function nodeSettings(db: Db, nodeId: string): Promise<TNodeSettings> {
  const [row] = await db.$queryRaw<TSettingsRows[]>`SELECT ${settingsColumns(Prisma.sql`${nodeId}::uuid`)}`;
  return settingsFrom(row ?? { fleet: null, override: null });
}
