import type { Db } from "@headroom/db";
import { reclaimFor, reclaimHeadroomMiB } from "@headroom/policy";
import type { TMemoryReading, TReclaim, TThresholds } from "@headroom/protocol";

/**
 * Should this heartbeating node recycle its runner for a job that waits for headroom? Heartbeats come
 * every ~2 s from every node, so the common case costs no statement: the heartbeat's own statement
 * read the largest need among queued jobs the scheduler marked as waiting for memory
 * (`mostNeededMiB`, from Job_status_headroomNeededMiB_idx), and when that is none or within this
 * node's headroom nothing here would help. Otherwise it finds the smallest need this node cannot meet
 * now, and looks at the node's jobs and its fresh-runner baseline (Node.freshUsedMiB, kept by
 * nodes.ts); the decision is `reclaimFor`'s.
 */
export async function reclaimForNode(
  db: Db,
  node: { id: string; drained: boolean; activeJobs: number },
  memory: TMemoryReading,
  thresholds: TThresholds,
  mostNeededMiB: number | null,
  now = new Date(),
): Promise<TReclaim | null> {
  if (node.drained || node.activeJobs > 0) return null;
  const headroomMiB = reclaimHeadroomMiB(memory, thresholds);
  if (mostNeededMiB === null || mostNeededMiB <= headroomMiB) return null;
  const waiting = await db.job.findFirst({
    where: { status: "QUEUED", runAfter: { lte: now }, headroomNeededMiB: { gt: headroomMiB } },
    orderBy: { headroomNeededMiB: "asc" },
    select: { headroomNeededMiB: true },
  });
  if (!waiting) return null;
  const [inFlight, baseline] = await Promise.all([
    db.job.count({ where: { nodeId: node.id, status: { in: ["PLACED", "RUNNING"] } } }),
    db.node.findUnique({ where: { id: node.id }, select: { freshUsedMiB: true } }),
  ]);
  return reclaimFor(
    { drained: node.drained, inFlight, totalMiB: memory.totalMiB, usedMiB: memory.usedMiB, processMiB: memory.processMiB, freshUsedMiB: baseline?.freshUsedMiB ?? null, thresholds },
    waiting.headroomNeededMiB,
  );
}
