import type { PrismaClient } from "@headroom/db";
import type { PgListener } from "@headroom/db/listener";
import type { TAssignment } from "@headroom/protocol";
import { claimNextJob, PLACED_CHANNEL } from "@headroom/scheduler";

/** Without a wake-up (listener down, or a notification missed), look again after this long. */
const FALLBACK_POLL_MS = 1_000;

/**
 * Long-poll: claims this node's next placed job. Between attempts it waits for the scheduler's
 * "placed on <node>" notification (or the fallback poll), until a job comes or `waitMs` passes.
 * The request's abort signal ends the wait when the agent hangs up.
 */
export async function claimForNode(
  db: PrismaClient,
  listener: PgListener | null,
  nodeId: string,
  waitMs: number,
  leaseMs: number,
  signal: AbortSignal,
): Promise<TAssignment | null> {
  const deadline = Date.now() + waitMs;
  let woken = false;
  let wake: (() => void) | null = null;
  const unsubscribe = listener?.on(PLACED_CHANNEL, (payload) => {
    if (payload !== nodeId) return;
    woken = true;
    wake?.();
  });
  const onAbort = () => wake?.();
  signal.addEventListener("abort", onAbort);
  try {
    for (;;) {
      woken = false;
      const job = await claimNextJob(db, nodeId, leaseMs);
      if (job) {
        return {
          jobId: job.id,
          attempt: job.attempt,
          fileName: job.fileName,
          mimeType: job.mimeType,
          sizeBytes: job.sizeBytes,
          pages: job.pages,
          batchId: job.batchId,
          leaseExpiresAt: job.leaseExpiresAt.toISOString(),
          filePath: `/api/agent/v1/jobs/${job.id}/file`,
        };
      }
      const left = deadline - Date.now();
      if (left <= 0 || signal.aborted) return null;
      // A notification that arrived while we were claiming means: look again at once.
      if (!woken) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.min(left, FALLBACK_POLL_MS));
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wake = null;
      }
    }
  } finally {
    unsubscribe?.();
    signal.removeEventListener("abort", onAbort);
  }
}
