// How many uploads this replica reads at once (HEADROOM_UPLOAD_MAX_IN_FLIGHT). An upload holds its
// file in memory two or three times over on its way through the multipart parse, and its decode
// check's pixels, so without a cap a flood of large files grows a replica until it is killed for
// memory, and every upload in flight shares the CPU until all of them are late. Past the cap a new
// upload is answered at once, before its body is read: 503 UNAVAILABLE with Retry-After.
import { RetryLaterError } from "../http";

/** What a refused upload is told to wait: an upload takes milliseconds to a few seconds. */
export const UPLOAD_BUSY_RETRY_MS = 1_000;

let inFlight = 0;

/** Uploads this process is reading or checking now. */
export const uploadsInFlight = (): number => inFlight;

/** Runs `work` in one of this process's `max` upload slots (0: no limit), or throws UNAVAILABLE when none is free. */
export async function inUploadSlot<T>(max: number, work: () => Promise<T>): Promise<T> {
  if (max > 0 && inFlight >= max) {
    throw new RetryLaterError("UNAVAILABLE", `This server is reading ${inFlight} uploads, the most it takes at once; nothing was done, try again shortly`, UPLOAD_BUSY_RETRY_MS);
  }
  inFlight++;
  try {
    return await work();
  } finally {
    inFlight--;
  }
}
