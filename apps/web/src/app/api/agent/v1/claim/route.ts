import { ZClaimRequestSchema } from "@headroom/protocol";
import { claimForNode } from "@headroom/scheduler";
import { env } from "@/env";
import { claimFile } from "@/server/agent/claim-file";
import { requireNode } from "@/server/agent/node-auth";
import { db } from "@/server/db";
import { listener } from "@/server/listener";
import { jsonBody, route } from "@/server/http";
import { uploadStore } from "@/server/jobs/upload-store";
import { logger } from "@/server/logger";

export const dynamic = "force-dynamic";

export const POST = route(async (req) => {
  const node = await requireNode(db(), req);
  const { waitMs } = await jsonBody(req, ZClaimRequestSchema);
  const e = env();
  const withFile = claimFile(uploadStore(), e.HEADROOM_CLAIM_FILE_MAX_BYTES, logger());
  const assignment = await claimForNode(db(), listener(), node.id, waitMs, e.HEADROOM_LEASE_MS, req.signal, withFile);
  return assignment ? Response.json(assignment) : new Response(null, { status: 204 });
});
