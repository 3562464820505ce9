import type { TDeregisterResponse } from "@headroom/protocol";
import { deregisterNode } from "@headroom/scheduler";
import { forgetNodeTokens, requireNode } from "@/server/agent/node-auth";
import { db } from "@/server/db";
import { route } from "@/server/http";

export const dynamic = "force-dynamic";

/** A stopping agent leaves: its node goes OFFLINE and what it held goes back to the queue. */
export const POST = route(async (req) => {
  const node = await requireNode(db(), req);
  const body: TDeregisterResponse = await deregisterNode(db(), node.id);
  forgetNodeTokens(node.id);
  return Response.json(body);
});
