import { requirePrincipal } from "@/server/auth";
import { db } from "@/server/db";
import { route } from "@/server/http";
import { listSettingsAudit } from "@/server/settings/service";
import { ZAuditListInputSchema, ZAuditListOutputSchema } from "@/server/settings/settings.types";

export const dynamic = "force-dynamic";

/** GET /api/v1/settings/audit?limit=50&scope=fleet|<node id> (anyone signed in) → {entries}, newest first. */
export const GET = route(async (req) => {
  await requirePrincipal(req);
  const params = new URL(req.url).searchParams;
  const input = ZAuditListInputSchema.parse({ limit: params.get("limit") ?? undefined, scope: params.get("scope") ?? undefined });
  return Response.json(ZAuditListOutputSchema.parse({ entries: await listSettingsAudit(db(), input) }));
});
