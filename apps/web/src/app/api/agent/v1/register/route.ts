import { ZRegisterRequestSchema } from "@headroom/protocol";
import { requireEnrollToken } from "@/server/agent/node-auth";
import { registerNode } from "@/server/agent/register";
import { db } from "@/server/db";
import { jsonBody, route } from "@/server/http";
import { logger } from "@/server/logger";

export const dynamic = "force-dynamic";

export const POST = route(async (req) => {
  requireEnrollToken(req);
  const body = await jsonBody(req, ZRegisterRequestSchema);
  const res = await registerNode(db(), body);
  logger().info({ nodeId: res.nodeId, name: body.name, provider: body.provider }, "node registered");
  return Response.json(res);
});
