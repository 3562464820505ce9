// The public shape of a job (GET /api/v1/jobs/:id), validated on the way out.
import type { Db } from "@headroom/db";
import { AppError, ZOcrResultSchema } from "@headroom/protocol";
import { z } from "zod";

export const ZJobViewSchema = z.object({
  id: z.string(),
  status: z.enum(["QUEUED", "PLACED", "RUNNING", "SUCCEEDED", "FAILED", "CANCELED"]),
  fileName: z.string(),
  mimeType: z.string(),
  sizeBytes: z.number(),
  widthPx: z.number().nullable(),
  heightPx: z.number().nullable(),
  pages: z.number(),
  priority: z.number(),
  attempt: z.number(),
  maxAttempts: z.number(),
  node: z.object({ id: z.string(), name: z.string() }).nullable(),
  unschedulableReason: z.string().nullable(),
  memory: z.object({ predictedPeakMiB: z.number().nullable(), observedPeakMiB: z.number().nullable(), beforeMiB: z.number().nullable(), afterMiB: z.number().nullable() }),
  timings: z.object({ createdAt: z.string(), placedAt: z.string().nullable(), startedAt: z.string().nullable(), finishedAt: z.string().nullable(), stagesMs: z.record(z.string(), z.number()).nullable() }),
  placement: z.unknown().nullable(),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  events: z.array(z.object({ type: z.string(), attempt: z.number(), nodeId: z.string().nullable(), at: z.string(), data: z.unknown().nullable() })),
  result: ZOcrResultSchema.nullable(),
  /** When retention removed the uploaded file and the result (downloads then answer 410 FILE_EXPIRED); null while they are kept. */
  fileExpiredAt: z.string().nullable(),
});
export type TJobView = z.infer<typeof ZJobViewSchema>;

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export async function getJobView(db: Db, id: string): Promise<TJobView> {
  if (!z.string().uuid().safeParse(id).success) throw new AppError("NOT_FOUND", `No job ${id}`);
  const j = await db.job.findUnique({
    where: { id },
    select: {
      id: true, status: true, fileName: true, mimeType: true, sizeBytes: true, widthPx: true, heightPx: true, pages: true, priority: true,
      attempt: true, maxAttempts: true, unschedulableReason: true, predictedPeakMiB: true, observedPeakMiB: true, memBeforeMiB: true, memAfterMiB: true,
      createdAt: true, placedAt: true, startedAt: true, finishedAt: true, timings: true, placement: true, errorCode: true, errorMessage: true, result: true, fileExpiredAt: true,
      node: { select: { id: true, name: true } },
      events: { orderBy: { id: "asc" }, select: { type: true, attempt: true, nodeId: true, createdAt: true, data: true } },
    },
  });
  if (!j) throw new AppError("NOT_FOUND", `No job ${id}`);
  return ZJobViewSchema.parse({
    id: j.id, status: j.status, fileName: j.fileName, mimeType: j.mimeType, sizeBytes: j.sizeBytes, widthPx: j.widthPx, heightPx: j.heightPx,
    pages: j.pages, priority: j.priority, attempt: j.attempt, maxAttempts: j.maxAttempts, node: j.node, unschedulableReason: j.unschedulableReason,
    memory: { predictedPeakMiB: j.predictedPeakMiB, observedPeakMiB: j.observedPeakMiB, beforeMiB: j.memBeforeMiB, afterMiB: j.memAfterMiB },
    timings: { createdAt: j.createdAt.toISOString(), placedAt: iso(j.placedAt), startedAt: iso(j.startedAt), finishedAt: iso(j.finishedAt), stagesMs: (j.timings as Record<string, number> | null) ?? null },
    placement: j.placement ?? null,
    error: j.errorCode ? { code: j.errorCode, message: j.errorMessage ?? "" } : null,
    events: j.events.map((e) => ({ type: e.type, attempt: e.attempt, nodeId: e.nodeId, at: e.createdAt.toISOString(), data: e.data ?? null })),
    result: j.status === "SUCCEEDED" ? j.result : null,
    fileExpiredAt: iso(j.fileExpiredAt),
  });
}
