// The memory curve of a job's node around the job: samples from placedAt − 30 s to finishedAt + 30 s
// (to now while it runs), with the job's peak. Relative imports only, for the integration tests.
import type { Db } from "@headroom/db";
import { AppError } from "@headroom/protocol";
import { z } from "zod";
import { bucketStartMs, bucketWidthMs } from "../../lib/memory-buckets";
import { memorySeries, ZMemorySeriesSchema } from "../nodes/memory-series";

/** Context shown either side of the job, in ms. */
export const JOB_MEMORY_MARGIN_MS = 30_000;

export const ZJobMemorySchema = z
  .object({
    nodeId: z.string(),
    nodeName: z.string(),
    placedAt: z.number(),
    startedAt: z.number().nullable(),
    finishedAt: z.number().nullable(),
    series: ZMemorySeriesSchema,
    /** The job's observed peak (device memory in use), and when the highest sample tagged with the job was taken. */
    peak: z.object({ usedMiB: z.number(), at: z.number().nullable() }).nullable(),
  })
  .nullable();
export type TJobMemory = z.infer<typeof ZJobMemorySchema>;

export async function getJobMemory(db: Db, id: string, nowMs: number): Promise<TJobMemory> {
  const job = await db.job.findUnique({
    where: { id },
    select: { placedAt: true, startedAt: true, finishedAt: true, observedPeakMiB: true, node: { select: { id: true, name: true } } },
  });
  if (!job) throw new AppError("NOT_FOUND", `No job ${id}`);
  if (!job.node || !job.placedAt) return null;
  const fromMs = job.placedAt.getTime() - JOB_MEMORY_MARGIN_MS;
  const toMs = Math.min(nowMs, (job.finishedAt?.getTime() ?? nowMs) + JOB_MEMORY_MARGIN_MS);
  const bucketMs = bucketWidthMs(toMs - fromMs);
  const [series, top] = await Promise.all([
    memorySeries(db, job.node.id, { fromMs: bucketStartMs(fromMs, bucketMs), toMs, bucketMs }),
    db.memorySample.findFirst({ where: { jobId: id }, orderBy: [{ usedMiB: "desc" }, { at: "asc" }], select: { at: true, usedMiB: true } }),
  ]);
  const peakMiB = job.observedPeakMiB ?? top?.usedMiB ?? null;
  return {
    nodeId: job.node.id,
    nodeName: job.node.name,
    placedAt: job.placedAt.getTime(),
    startedAt: job.startedAt?.getTime() ?? null,
    finishedAt: job.finishedAt?.getTime() ?? null,
    series,
    peak: peakMiB === null ? null : { usedMiB: peakMiB, at: top?.at.getTime() ?? null },
  };
}
