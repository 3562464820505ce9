import { env } from "@/env";
import { db } from "@/server/db";
import { health } from "@/server/health";
import { route } from "@/server/http";

export const dynamic = "force-dynamic";

/** Readiness: 200 when the database answers and has this build's migrations, 503 otherwise (server/health.ts). */
export const GET = route(async () => {
  const h = await health(db(), env().HEADROOM_MIGRATIONS_DIR);
  return Response.json(h, { status: h.status === "ok" ? 200 : 503 });
});
