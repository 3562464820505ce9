import { AppError } from "@headroom/protocol";
import { setNodeDrained } from "@headroom/scheduler";
import { z } from "zod";
import { checkOrigin, requirePrincipal } from "@/server/auth";
import { db } from "@/server/db";
import { jsonBody, route } from "@/server/http";
import { ZDrainInputSchema } from "@/server/nodes/drain.types";

export const dynamic = "force-dynamic";

/** PUT /api/v1/nodes/:id/drain {drained: true|false} (admin) → {drained, requeued} */
export const PUT = route<{ params: Promise<{ id: string }> }>(async (req, { params }) => {
  const principal = await requirePrincipal(req, "ADMIN");
  if (principal.kind === "user") checkOrigin(req);
  const { id } = await params;
  if (!z.string().uuid().safeParse(id).success) throw new AppError("NOT_FOUND", `No node ${id}`);
  const { drained } = await jsonBody(req, ZDrainInputSchema);
  return Response.json({ drained, ...(await setNodeDrained(db(), id, drained, principal.label)) });
});
