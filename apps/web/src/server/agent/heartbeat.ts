import type { PrismaClient } from "@headroom/db";
import type { THeartbeatRequest, THeartbeatResponse } from "@headroom/protocol";
import { renewLeases } from "@headroom/scheduler";
import { reclaimForNode } from "./reclaim";
import { nodeSettings } from "./settings";

/**
 * Stores the live reading, renews the leases of the node's running jobs, and hands back thresholds,
 * and a reclaim request when an idle node could free the headroom a queued job waits for.
 */
export async function heartbeat(db: PrismaClient, nodeId: string, hb: THeartbeatRequest, leaseMs: number): Promise<THeartbeatResponse> {
  const m = hb.memory;
  const before = await db.node.findUniqueOrThrow({ where: { id: nodeId }, select: { status: true, drained: true, appliedSettingsVersion: true } });
  await db.node.update({
    where: { id: nodeId },
    data: {
      status: "ONLINE",
      lastHeartbeatAt: new Date(),
      usedMiB: m.usedMiB,
      totalMiB: m.totalMiB,
      freeMiB: m.freeMiB,
      processMiB: m.processMiB,
      utilPct: m.utilPct,
      memorySource: m.source,
      appliedSettingsVersion: hb.appliedSettingsVersion,
    },
  });
  if (before.status === "OFFLINE") await db.nodeEvent.create({ data: { nodeId, type: "online", beforeMiB: m.usedMiB } });
  if (hb.appliedSettingsVersion !== null && hb.appliedSettingsVersion !== before.appliedSettingsVersion) {
    await db.nodeEvent.create({ data: { nodeId, type: "settings_applied", data: { version: hb.appliedSettingsVersion } } });
  }
  const revokedJobs = await renewLeases(db, nodeId, hb.activeJobs, leaseMs);
  const settings = await nodeSettings(db, nodeId);
  const reclaim = await reclaimForNode(db, { id: nodeId, drained: before.drained, activeJobs: hb.activeJobs.length }, m, settings.thresholds);
  return { ...settings, drained: before.drained, revokedJobs, reclaim };
}
