import { requirePrincipal } from "@/server/auth";
import { db } from "@/server/db";
import { route } from "@/server/http";
import { listNodeViews } from "@/server/nodes/node-view";

export const dynamic = "force-dynamic";

export const GET = route(async (req) => {
  await requirePrincipal(req);
  return Response.json({ nodes: await listNodeViews(db()) });
});
