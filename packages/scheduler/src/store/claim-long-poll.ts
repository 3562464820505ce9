import type { PrismaClient } from "@headroom/db";
import type { PgListener } from "@headroom/db/listener";
import type { TAssignment } from "@headroom/protocol";
import { PLACED_CHANNEL } from "../notify.ts";
import { claimNextJob, type TClaimedJob } from "./claim.ts";

/**
 * How often a long-poll looks again on its own while this process is not listening (no listener, or
 * one reconnecting). While it listens, the scheduler's "placed on <node>" NOTIFY wakes the waiter and
 * nothing else does until the wait is over: a poll every few seconds from every waiting agent (at
 * 1,000 idle agents and 5 s, 200 claim statements a second) found nothing but what the NOTIFY had
 * already said. A listener that stops listening wakes every waiter (PlacedWakeups), which then polls
 * at this pace until it listens again, and looks once more then.
 */
const POLL_WHILE_NOT_LISTENING_MS = 1_000;

/**
 * The claim long-polls of one process waiting on one listener, by node: a notification wakes the
 * waiters of the node it names with one map lookup, instead of every long-poll in the process
 * (1,000 waiting agents × 1,000 placements a second was a million handler calls a second).
 */
class PlacedWakeups {
  private readonly waiters = new Map<string, Set<() => void>>();

  constructor(listener: PgListener) {
    listener.on(PLACED_CHANNEL, (nodeId) => {
      for (const wake of this.waiters.get(nodeId) ?? []) wake();
    });
    // Lost or back: every waiter looks now (a placement's NOTIFY may have gone missing) and picks its pace again.
    listener.onChange(() => {
      for (const set of this.waiters.values()) for (const wake of set) wake();
    });
  }

  on(nodeId: string, wake: () => void): () => void {
    let set = this.waiters.get(nodeId);
    if (!set) this.waiters.set(nodeId, (set = new Set()));
    set.add(wake);
    return () => {
      set.delete(wake);
      if (set.size === 0 && this.waiters.get(nodeId) === set) this.waiters.delete(nodeId);
    };
  }
}

const wakeups = new WeakMap<PgListener, PlacedWakeups>();

function placedWakeups(listener: PgListener): PlacedWakeups {
  let w = wakeups.get(listener);
  if (!w) wakeups.set(listener, (w = new PlacedWakeups(listener)));
  return w;
}

/**
 * Long-poll: claims this node's next placed job. Between attempts it waits for the scheduler's
 * "placed on <node>" notification (or, while not listening, the poll), until a job comes or `waitMs`
 * passes.
 * The request's abort signal ends the wait when the agent hangs up. `fileBase64`, when given, may
 * put the claimed job's bytes in the answer (the web app reads its upload store); it must not throw,
 * since the job is claimed by then.
 */
export async function claimForNode(
  db: PrismaClient,
  listener: PgListener | null,
  nodeId: string,
  waitMs: number,
  leaseMs: number,
  signal: AbortSignal,
  fileBase64?: (job: TClaimedJob) => Promise<string | undefined>,
): Promise<TAssignment | null> {
  const deadline = Date.now() + waitMs;
  const pollMs = () => (listener?.isListening(PLACED_CHANNEL) ? Infinity : POLL_WHILE_NOT_LISTENING_MS);
  let woken = false;
  let wake: (() => void) | null = null;
  const unsubscribe = listener
    ? placedWakeups(listener).on(nodeId, () => {
        woken = true;
        wake?.();
      })
    : undefined;
  const onAbort = () => wake?.();
  signal.addEventListener("abort", onAbort);
  try {
    for (;;) {
      woken = false;
      const job = await claimNextJob(db, nodeId, leaseMs);
      if (job) {
        const inline = await fileBase64?.(job);
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
          ...(inline === undefined ? {} : { fileBase64: inline }),
        };
      }
      const left = deadline - Date.now();
      if (left <= 0 || signal.aborted) return null;
      // A notification that arrived while we were claiming means: look again at once.
      if (!woken) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.min(left, pollMs()));
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wake = null;
        // Hung up, or the wait ran out with nothing heard: no last look. A claim for an agent that has
        // gone would hold its job until the lease ran out, and a waiting agent's next long-poll looks
        // first thing anyway.
        if (signal.aborted || (!woken && Date.now() >= deadline)) return null;
      }
    }
  } finally {
    unsubscribe?.();
    signal.removeEventListener("abort", onAbort);
  }
}
