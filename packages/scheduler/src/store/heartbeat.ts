import type { PrismaClient } from "@headroom/db";
import type { THeartbeatRequest, THeartbeatResponse } from "@headroom/protocol";
import { renewLeases } from "./lifecycle.ts";
import { recordHeartbeat } from "./nodes.ts";
import { reclaimForNode } from "./reclaim.ts";

/**
 * Stores the live reading (from an idle agent also as a memory sample), renews the leases of the
 * node's running jobs, and hands back thresholds, and a reclaim request when an idle node could free
 * the headroom a queued job waits for.
 */
export async function heartbeat(db: PrismaClient, nodeId: string, hb: THeartbeatRequest, leaseMs: number): Promise<THeartbeatResponse> {
  const { drained, settings, sampleStored } = await recordHeartbeat(db, nodeId, hb);
  const revokedJobs = await renewLeases(db, nodeId, hb.activeJobs, leaseMs);
  const reclaim = await reclaimForNode(db, { id: nodeId, drained, activeJobs: hb.activeJobs.length }, hb.memory, settings.thresholds);
  return { ...settings, drained, revokedJobs, reclaim, sampleStored };
}
