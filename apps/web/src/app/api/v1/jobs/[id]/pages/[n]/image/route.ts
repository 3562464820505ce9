import { AppError } from "@headroom/protocol";
import { z } from "zod";
import { env } from "@/env";
import { requirePrincipal } from "@/server/auth";
import { db } from "@/server/db";
import { route } from "@/server/http";
import { jobPageImage } from "@/server/jobs/page-image";
import { uploadStore } from "@/server/jobs/upload-store";

export const dynamic = "force-dynamic";

const ZParamsSchema = z.object({ id: z.string().uuid(), n: z.coerce.number().int().min(1) });

/** GET /api/v1/jobs/:id/pages/:n/image: page n as WebP, at most 1600 px a side; any signed-in user or API key. */
export const GET = route<{ params: Promise<{ id: string; n: string }> }>(async (req, { params }) => {
  await requirePrincipal(req);
  const parsed = ZParamsSchema.safeParse(await params);
  if (!parsed.success) throw new AppError("NOT_FOUND", "No such page");
  const img = await jobPageImage(db(), uploadStore(), parsed.data.id, parsed.data.n, env().HEADROOM_MAX_PIXELS);
  // The upload never changes, so the rendering may be cached; private, as it is behind sign-in.
  return new Response(new Uint8Array(img.body), { headers: { "content-type": img.contentType, "content-length": String(img.body.length), "cache-control": "private, max-age=3600" } });
});
