// The claimed job's file in the claim's answer, when it is small: an agent then starts the job
// without a second request for the bytes (1,000 jobs a second are 1,000 file requests a second less).
import type { TClaimedJob } from "@headroom/scheduler";
import type { Logger } from "pino";
import type { UploadStore } from "../jobs/storage";

/**
 * The job's bytes as base64 when it is at most `maxBytes` (0: never), else undefined. A store that
 * fails is logged and leaves the agent to GET the file: the job is claimed by now, and failing the
 * claim would leave it held by no one until its lease ran out.
 */
export function claimFile(store: UploadStore, maxBytes: number, log: Logger): (job: TClaimedJob) => Promise<string | undefined> {
  return async (job) => {
    if (job.sizeBytes > maxBytes) return undefined;
    try {
      const bytes = await store.get(job.storageKey);
      // A size that disagrees with the job's is left to the file route, which serves what is stored.
      return bytes.length === job.sizeBytes ? bytes.toString("base64") : undefined;
    } catch (err) {
      log.warn({ err, jobId: job.id }, "claim: could not read the job's file; the agent will fetch it");
      return undefined;
    }
  };
}
