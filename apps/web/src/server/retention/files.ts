// Uploaded files and results of jobs that finished more than fileRetentionDays ago are removed:
// the file through the replica's upload store (whichever store it is), the result and text from
// the row, and the job is marked fileExpiredAt so downloads answer 410 FILE_EXPIRED rather than
// a broken link. The job's row and events stay; a "file_expired" event says when and why.
//
// The file goes first and the mark second: a failure between the two leaves a job whose file is
// gone but not yet marked, and the next run removes it again (removing a missing key is not an
// error) and marks it. The other order could leave a marked job with its file still stored.
import type { Db } from "@headroom/db";
import { jobsWithFilesToExpire, markFilesExpired } from "@headroom/scheduler";
import type { UploadStore } from "../jobs/storage";

/** Expires at most `batchJobs` jobs that finished before `before`; returns how many. Run it in a transaction. */
export async function expireFilesBatch(db: Db, store: Pick<UploadStore, "remove">, before: Date, batchJobs: number, now: Date): Promise<number> {
  const jobs = await jobsWithFilesToExpire(db, before, batchJobs);
  if (jobs.length === 0) return 0;
  for (const j of jobs) await store.remove(j.storageKey);
  return markFilesExpired(db, jobs.map((j) => j.id), before, now);
}
