import { env } from "@/env";
import { requirePrincipal } from "@/server/auth";
import { db } from "@/server/db";
import { route } from "@/server/http";
import { listNodes } from "@/server/nodes/list-nodes";
import { ZNodeListOutputSchema } from "@/server/nodes/list-nodes.types";

export const dynamic = "force-dynamic";

export const GET = route(async (req) => {
  await requirePrincipal(req);
  const out = await listNodes(db(), { nowMs: Date.now(), offlineAfterMs: env().HEADROOM_NODE_OFFLINE_MS });
  return Response.json(ZNodeListOutputSchema.parse(out));
});
