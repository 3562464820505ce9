import type { Db } from "@headroom/db";
import type { TMemoryReading, TReclaim, TThresholds } from "@headroom/protocol";
import { reclaimFor, usableMiB } from "@headroom/policy";

/** Node events whose MiB is a reading with a freshly loaded runner: which column holds it. */
const FRESH_READINGS = { registered: "beforeMiB", cleanup: "afterMiB", sweep: "afterMiB" } as const;

/**
 * Should this heartbeating node recycle its runner for a job that waits for headroom? Heartbeats come
 * every ~2 s from every node, so the common case is one indexed lookup that finds nothing: the
 * smallest need, among queued jobs the scheduler marked as waiting for memory (headroomNeededMiB),
 * that this node cannot meet now (Job_status_headroomNeededMiB_idx). Only when there is one does it
 * look at the node's jobs and its fresh-runner baseline; the decision is `reclaimFor`'s.
 */
export async function reclaimForNode(
  db: Db,
  node: { id: string; drained: boolean; activeJobs: number },
  memory: TMemoryReading,
  thresholds: TThresholds,
  now = new Date(),
): Promise<TReclaim | null> {
  if (node.drained || node.activeJobs > 0) return null;
  const headroomMiB = usableMiB(memory.totalMiB, thresholds) - memory.usedMiB;
  const waiting = await db.job.findFirst({
    where: { status: "QUEUED", runAfter: { lte: now }, headroomNeededMiB: { gt: headroomMiB } },
    orderBy: { headroomNeededMiB: "asc" },
    select: { headroomNeededMiB: true },
  });
  if (!waiting) return null;
  const [inFlight, fresh] = await Promise.all([
    db.job.count({ where: { nodeId: node.id, status: { in: ["PLACED", "RUNNING"] } } }),
    latestFreshReading(db, node.id),
  ]);
  const freshUsedMiB = fresh ? fresh[FRESH_READINGS[fresh.type as keyof typeof FRESH_READINGS]] : null;
  return reclaimFor(
    { drained: node.drained, inFlight, totalMiB: memory.totalMiB, usedMiB: memory.usedMiB, processMiB: memory.processMiB, freshUsedMiB, thresholds },
    waiting.headroomNeededMiB,
  );
}

const FRESH_SELECT = { type: true, beforeMiB: true, afterMiB: true, data: true } as const;

/**
 * The node's latest reading with every runner fresh. An agent with several runner slots marks a
 * recycle of one slot beside grown ones `allFresh: false`: that after-reading still holds the other
 * runners' growth, so it is no baseline. Events without the mark (one slot, older agents) count.
 */
async function latestFreshReading(db: Db, nodeId: string) {
  const recent = await db.nodeEvent.findMany({
    where: { nodeId, type: { in: Object.keys(FRESH_READINGS) } },
    orderBy: { createdAt: "desc" },
    take: 50,
    select: FRESH_SELECT,
  });
  const allFresh = (data: unknown) => (data as { allFresh?: unknown } | null)?.allFresh !== false;
  return (
    recent.find((e) => allFresh(e.data)) ??
    (await db.nodeEvent.findFirst({ where: { nodeId, type: "registered" }, orderBy: { createdAt: "desc" }, select: FRESH_SELECT }))
  );
}
