import { env } from "@/env";
import { checkOrigin, requirePrincipal } from "@/server/auth";
import { admitUpload } from "@/server/auth/upload-admission";
import { db } from "@/server/db";
import { route } from "@/server/http";
import { createJobs } from "@/server/jobs/create-jobs";
import { listJobs } from "@/server/jobs/list-jobs";
import { ZJobListOutputSchema } from "@/server/jobs/list-jobs.types";
import { parseJobFiltersStrict } from "@/lib/job-filters";
import { parseUpload, uploadBodyLimit, uploadReservation } from "@/server/jobs/parse-upload";
import { uploadBudget } from "@/server/jobs/upload-budget";
import { uploadStore } from "@/server/jobs/upload-store";
import { logger } from "@/server/logger";

export const dynamic = "force-dynamic";

export const POST = route(async (req, { requestId }) => {
  const principal = await requirePrincipal(req);
  if (principal.kind === "user") checkOrigin(req);
  const e = env();
  // Room for the body in this replica's memory first, before any statement or byte of it is read.
  const limitBytes = uploadBodyLimit(e.HEADROOM_MAX_UPLOAD_BYTES, e.HEADROOM_UPLOAD_BUFFER_BYTES);
  const release = await uploadBudget().reserve(uploadReservation(req, limitBytes), e.HEADROOM_UPLOAD_QUEUE_WAIT_MS);
  try {
    await admitUpload(db(), principal, { perKeyPerMinute: e.HEADROOM_UPLOADS_PER_MINUTE, maxQueuedJobs: e.HEADROOM_MAX_QUEUED_JOBS });
    const upload = await parseUpload(req, limitBytes, e.HEADROOM_UPLOAD_TIMEOUT_MS);
    const { jobs, replayed } = await createJobs(db(), uploadStore(), { maxBytes: e.HEADROOM_MAX_UPLOAD_BYTES, maxPixels: e.HEADROOM_MAX_PIXELS, maxPages: e.HEADROOM_MAX_PAGES, decodeTimeoutMs: e.HEADROOM_DECODE_TIMEOUT_MS, imageCheck: e.HEADROOM_UPLOAD_CHECK }, {
      files: upload.files,
      priority: upload.priority,
      idempotencyKey: upload.idempotencyKey,
      owner: { userId: principal.kind === "user" ? principal.id : null, apiKeyId: principal.kind === "apiKey" ? principal.id : null },
      maxAttempts: e.HEADROOM_MAX_ATTEMPTS,
    });
    logger().info({ requestId, jobs: jobs.map((j) => j.id), replayed, by: principal.label }, "jobs submitted");
    return Response.json({ jobs }, { status: replayed ? 200 : 201 });
  } finally {
    release(); // the answer is ready: the body and its copies are garbage now
  }
});

/**
 * GET /api/v1/jobs?page=1&pageSize=25&status=SUCCEEDED&node=<id>&type=image|pdf&from=YYYY-MM-DD&to=YYYY-MM-DD
 * &q=words&sort=created|duration|peak&dir=asc|desc: the same parameters and query as the /jobs page.
 */
export const GET = route(async (req) => {
  await requirePrincipal(req);
  const input = parseJobFiltersStrict(new URL(req.url).searchParams);
  return Response.json(ZJobListOutputSchema.parse(await listJobs(db(), input)));
});
