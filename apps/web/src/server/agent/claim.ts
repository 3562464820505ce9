import type { PrismaClient } from "@headroom/db";
import type { TAssignment } from "@headroom/protocol";
import { claimNextJob } from "@headroom/scheduler";

const POLL_MS = 100;

/**
 * Long-poll: claims this node's next placed job, polling the queue until one comes or `waitMs`
 * passes. The request's abort signal ends the wait when the agent hangs up.
 */
export async function claimForNode(db: PrismaClient, nodeId: string, waitMs: number, leaseMs: number, signal: AbortSignal): Promise<TAssignment | null> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const job = await claimNextJob(db, nodeId, leaseMs);
    if (job) {
      return {
        jobId: job.id,
        attempt: job.attempt,
        fileName: job.fileName,
        mimeType: job.mimeType,
        sizeBytes: job.sizeBytes,
        pages: job.pages,
        leaseExpiresAt: job.leaseExpiresAt.toISOString(),
        filePath: `/api/agent/v1/jobs/${job.id}/file`,
      };
    }
    if (Date.now() + POLL_MS > deadline || signal.aborted) return null;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}
