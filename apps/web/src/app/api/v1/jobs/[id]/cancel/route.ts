import { checkOrigin, requirePrincipal } from "@/server/auth";
import { db } from "@/server/db";
import { route } from "@/server/http";
import { cancelJobAs } from "@/server/jobs/cancel";

export const dynamic = "force-dynamic";

/** POST /api/v1/jobs/:id/cancel → {outcome: "canceled" | "already_finished"} */
export const POST = route<{ params: Promise<{ id: string }> }>(async (req, { params }) => {
  const principal = await requirePrincipal(req);
  if (principal.kind === "user") checkOrigin(req);
  return Response.json(await cancelJobAs(db(), principal, (await params).id));
});
