// One page of jobs, newest first, optionally of one status. Relative imports only, so the
// integration test can load it without the app's path aliases.
import type { Db } from "@headroom/db";
import type { TJobListInput, TJobListOutput } from "./list-jobs.types";

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export async function listJobs(db: Db, input: Required<Pick<TJobListInput, "page" | "pageSize">> & Pick<TJobListInput, "status">): Promise<TJobListOutput> {
  const where = input.status ? { status: input.status } : {};
  const [total, rows] = await Promise.all([
    db.job.count({ where }),
    db.job.findMany({
      where,
      // Newest first; id breaks ties so pages never overlap or skip.
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      skip: (input.page - 1) * input.pageSize,
      take: input.pageSize,
      select: {
        id: true, fileName: true, status: true, attempt: true, createdAt: true, startedAt: true, finishedAt: true,
        observedPeakMiB: true, predictedPeakMiB: true, errorCode: true, unschedulableReason: true,
        node: { select: { id: true, name: true } },
      },
    }),
  ]);
  return {
    items: rows.map((j) => ({
      id: j.id,
      fileName: j.fileName,
      status: j.status,
      attempt: j.attempt,
      node: j.node,
      createdAt: j.createdAt.toISOString(),
      startedAt: iso(j.startedAt),
      finishedAt: iso(j.finishedAt),
      durationMs: j.startedAt && j.finishedAt ? j.finishedAt.getTime() - j.startedAt.getTime() : null,
      observedPeakMiB: j.observedPeakMiB,
      predictedPeakMiB: j.predictedPeakMiB,
      errorCode: j.errorCode,
      unschedulableReason: j.unschedulableReason,
    })),
    total,
    page: input.page,
    pageSize: input.pageSize,
    pageCount: Math.max(1, Math.ceil(total / input.pageSize)),
  };
}
