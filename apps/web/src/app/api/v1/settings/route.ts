import { checkOrigin, requirePrincipal } from "@/server/auth";
import { db } from "@/server/db";
import { jsonBody, route } from "@/server/http";
import { getFleetSettings, updateFleetSettings } from "@/server/settings/service";
import { ZFleetSettingsPatchSchema, ZFleetSettingsSchema } from "@/server/settings/settings.types";

export const dynamic = "force-dynamic";

/** GET /api/v1/settings (anyone signed in) → {thresholds, version} */
export const GET = route(async (req) => {
  await requirePrincipal(req);
  return Response.json(ZFleetSettingsSchema.parse(await getFleetSettings(db())));
});

/** PUT /api/v1/settings (admin), body: some thresholds → {thresholds, version}. Validated and audited. */
export const PUT = route(async (req) => {
  const principal = await requirePrincipal(req, "ADMIN");
  if (principal.kind === "user") checkOrigin(req);
  const patch = await jsonBody(req, ZFleetSettingsPatchSchema);
  const { thresholds, version } = await updateFleetSettings(db(), patch, { label: principal.label, id: principal.id });
  return Response.json(ZFleetSettingsSchema.parse({ thresholds, version }));
});
