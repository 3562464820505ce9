import { checkOrigin, requirePrincipal } from "@/server/auth";
import { db } from "@/server/db";
import { jsonBody, route } from "@/server/http";
import { getNodeSettings, updateNodeOverride } from "@/server/settings/service";
import { ZNodeOverridePatchSchema, ZNodeSettingsSchema } from "@/server/settings/settings.types";

export const dynamic = "force-dynamic";

type TCtx = { params: Promise<{ id: string }> };

/** GET /api/v1/nodes/:id/settings (anyone signed in) → {override, effective, version, …} */
export const GET = route<TCtx>(async (req, { params }) => {
  await requirePrincipal(req);
  const { id } = await params;
  return Response.json(ZNodeSettingsSchema.parse(await getNodeSettings(db(), id)));
});

/**
 * PUT /api/v1/nodes/:id/settings (admin), body: override fields, a number sets one and null clears
 * it → {override, effective, version, …}. The effective set is validated; the change is audited.
 */
export const PUT = route<TCtx>(async (req, { params }) => {
  const principal = await requirePrincipal(req, "ADMIN");
  if (principal.kind === "user") checkOrigin(req);
  const { id } = await params;
  const patch = await jsonBody(req, ZNodeOverridePatchSchema);
  const { changes: _changes, ...out } = await updateNodeOverride(db(), id, patch, { label: principal.label, id: principal.id });
  return Response.json(ZNodeSettingsSchema.parse(out));
});
