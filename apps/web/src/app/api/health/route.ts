import { db } from "@/server/db";
import { route } from "@/server/http";

export const dynamic = "force-dynamic";

/** Liveness and readiness in one: 200 when the database answers, 503 when it does not. */
export const GET = route(async () => {
  try {
    await db().$queryRaw`SELECT 1`;
    return Response.json({ status: "ok", database: "ok" });
  } catch {
    return Response.json({ status: "degraded", database: "unreachable" }, { status: 503 });
  }
});
