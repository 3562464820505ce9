// The web process's retention timer: a pass every HEADROOM_RETENTION_INTERVAL_MS, one at a time.
// In the web process rather than the scheduler because expiring files goes through this replica's
// upload store (storage-select.ts), which only the control plane has.
import { env } from "@/env";
import { db } from "@/server/db";
import { uploadStore } from "@/server/jobs/upload-store";
import { logger } from "@/server/logger";
import { ORPHAN_GRACE_MS } from "./orphans";
import { runRetention } from "./run";

const holder = globalThis as unknown as { headroomRetention?: NodeJS.Timeout };

/** Starts the timer once per process (Next may call register() again on dev reloads). */
export function startRetention(): void {
  const intervalMs = env().HEADROOM_RETENTION_INTERVAL_MS;
  // The Postgres and S3 stores date a file from the start of its upload (createdAt; a multipart
  // upload's LastModified is its start), so a file must outlive the longest upload this replica
  // allows, twice over, before a missing job makes it an orphan.
  const orphanGraceMs = Math.max(ORPHAN_GRACE_MS, 2 * env().HEADROOM_UPLOAD_TIMEOUT_MS);
  if (intervalMs === 0 || holder.headroomRetention) return;
  const log = logger().child({ component: "retention" });
  const pass = async () => {
    try {
      const r = await runRetention(db(), uploadStore(), { orphanGraceMs });
      if (r.samplesRolledUp || r.minutesDeleted || r.filesExpired || r.orphansRemoved) log.info(r, "retention pass");
    } catch (err) {
      log.error({ err }, "retention pass failed");
    }
    holder.headroomRetention = setTimeout(() => void pass(), intervalMs).unref();
  };
  // The first pass waits a whole interval: a starting replica has better things to do.
  holder.headroomRetention = setTimeout(() => void pass(), intervalMs).unref();
}
