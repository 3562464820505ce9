import type { PrismaClient } from "@headroom/db";
import type { THeartbeatRequest, THeartbeatResponse } from "@headroom/protocol";
import { recordHeartbeat } from "./nodes.ts";
import { reclaimForNode } from "./reclaim.ts";

/**
 * Stores the live reading (from an idle agent also as a memory sample), renews the leases of the
 * node's running jobs, and hands back thresholds, and a reclaim request when an idle node could free
 * the headroom a queued job waits for. One statement in the common case (recordHeartbeat); a second
 * only when a queued job waits for more headroom than this idle node has.
 */
export async function heartbeat(db: PrismaClient, nodeId: string, hb: THeartbeatRequest, leaseMs: number, now: Date = new Date()): Promise<THeartbeatResponse> {
  const { drained, settings, sampleStored, revokedJobs, mostNeededMiB } = await recordHeartbeat(db, nodeId, hb, leaseMs, now);
  const reclaim = await reclaimForNode(db, { id: nodeId, drained, activeJobs: hb.activeJobs.length }, hb.memory, settings.thresholds, mostNeededMiB, now);
  return { ...settings, drained, revokedJobs, reclaim, sampleStored };
}
