import { requirePrincipal } from "@/server/auth";
import { db } from "@/server/db";
import { route } from "@/server/http";
import { getJobView } from "@/server/jobs/job-view";

export const dynamic = "force-dynamic";

export const GET = route<{ params: Promise<{ id: string }> }>(async (req, { params }) => {
  await requirePrincipal(req);
  return Response.json(await getJobView(db(), (await params).id));
});
