import type { PrismaClient } from "@headroom/db";
import type { THeartbeatRequest, THeartbeatResponse } from "@headroom/protocol";
import { renewLeases } from "@headroom/scheduler";
import { nodeSettings } from "./settings";

/** Stores the live reading, renews the leases of the node's running jobs, and hands back thresholds. */
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
  return { ...(await nodeSettings(db, nodeId)), drained: before.drained, revokedJobs };
}
