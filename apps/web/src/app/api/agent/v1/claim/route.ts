import { ZClaimRequestSchema } from "@headroom/protocol";
import { claimForNode } from "@headroom/scheduler";
import { env } from "@/env";
import { requireNode } from "@/server/agent/node-auth";
import { db } from "@/server/db";
import { listener } from "@/server/listener";
import { jsonBody, route } from "@/server/http";

export const dynamic = "force-dynamic";

export const POST = route(async (req) => {
  const node = await requireNode(db(), req);
  const { waitMs } = await jsonBody(req, ZClaimRequestSchema);
  const assignment = await claimForNode(db(), listener(), node.id, waitMs, env().HEADROOM_LEASE_MS, req.signal);
  return assignment ? Response.json(assignment) : new Response(null, { status: 204 });
});
