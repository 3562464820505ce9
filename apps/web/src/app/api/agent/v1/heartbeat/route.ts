import { ZHeartbeatRequestSchema } from "@headroom/protocol";
import { heartbeat } from "@headroom/scheduler";
import { env } from "@/env";
import { requireNode } from "@/server/agent/node-auth";
import { db } from "@/server/db";
import { jsonBody, route } from "@/server/http";

export const dynamic = "force-dynamic";

export const POST = route(async (req) => {
  const node = await requireNode(db(), req);
  const body = await jsonBody(req, ZHeartbeatRequestSchema);
  return Response.json(await heartbeat(db(), node.id, body, env().HEADROOM_LEASE_MS));
});
