import { ZNodeEventsRequestSchema } from "@headroom/protocol";
import { storeNodeEvents } from "@headroom/scheduler";
import { requireNode } from "@/server/agent/node-auth";
import { db } from "@/server/db";
import { jsonBody, route } from "@/server/http";

export const dynamic = "force-dynamic";

export const POST = route(async (req) => {
  const node = await requireNode(db(), req);
  return Response.json({ stored: await storeNodeEvents(db(), node.id, await jsonBody(req, ZNodeEventsRequestSchema)) });
});
