import type { PrismaClient } from "@headroom/db";
import type { TSamplesRequest } from "@headroom/protocol";

/** Memory samples for the node's history; a sample naming a job the node never ran is kept without the job. */
export async function storeSamples(db: PrismaClient, nodeId: string, req: TSamplesRequest): Promise<number> {
  if (req.samples.length === 0) return 0;
  const jobIds = [...new Set(req.samples.map((s) => s.jobId).filter((id): id is string => id !== null))];
  // An idle node's samples name no job: no look-up then (it is a round trip on every idle flush).
  const known = jobIds.length === 0 ? new Set<string>() : new Set((await db.job.findMany({ where: { id: { in: jobIds }, nodeId }, select: { id: true } })).map((j) => j.id));
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
