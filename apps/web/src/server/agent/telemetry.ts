import type { Prisma, PrismaClient } from "@headroom/db";
import type { TNodeEventsRequest, TSamplesRequest } from "@headroom/protocol";

/** Memory samples for the node's history; a sample naming a job the node never ran is kept without the job. */
export async function storeSamples(db: PrismaClient, nodeId: string, req: TSamplesRequest): Promise<number> {
  if (req.samples.length === 0) return 0;
  const jobIds = [...new Set(req.samples.map((s) => s.jobId).filter((id): id is string => id !== null))];
  const known = new Set((await db.job.findMany({ where: { id: { in: jobIds }, nodeId }, select: { id: true } })).map((j) => j.id));
  const { count } = await db.memorySample.createMany({
    data: req.samples.map((s) => ({
      nodeId,
      jobId: s.jobId !== null && known.has(s.jobId) ? s.jobId : null,
      at: new Date(s.at),
      usedMiB: s.usedMiB,
      totalMiB: s.totalMiB,
      processMiB: s.processMiB,
      utilPct: s.utilPct,
    })),
  });
  return count;
}

export async function storeNodeEvents(db: PrismaClient, nodeId: string, req: TNodeEventsRequest): Promise<number> {
  const { count } = await db.nodeEvent.createMany({
    data: req.events.map((e) => ({
      nodeId,
      type: e.type,
      createdAt: new Date(e.at),
      beforeMiB: e.beforeMiB,
      afterMiB: e.afterMiB,
      freedMiB: e.beforeMiB !== null && e.afterMiB !== null ? e.beforeMiB - e.afterMiB : null,
      data: (e.data ?? undefined) as Prisma.InputJsonValue | undefined,
    })),
  });
  return count;
}
