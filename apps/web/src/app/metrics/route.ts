import { env } from "@/env";
import { db } from "@/server/db";
import { route } from "@/server/http";
import { renderMetrics } from "@/server/metrics/registry";

export const dynamic = "force-dynamic";

/** Prometheus text format. Unauthenticated like most exporters: expose it on an internal port or network only. */
export const GET = route(async () => {
  const { body, contentType } = await renderMetrics(db(), { nowMs: Date.now(), offlineAfterMs: env().HEADROOM_NODE_OFFLINE_MS });
  return new Response(body, { headers: { "content-type": contentType } });
});
