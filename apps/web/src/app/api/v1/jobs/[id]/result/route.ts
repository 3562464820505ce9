import { AppError } from "@headroom/protocol";
import { requirePrincipal } from "@/server/auth";
import { db } from "@/server/db";
import { route } from "@/server/http";
import { getJobView } from "@/server/jobs/job-view";

export const dynamic = "force-dynamic";

export const GET = route<{ params: Promise<{ id: string }> }>(async (req, { params }) => {
  await requirePrincipal(req);
  const format = new URL(req.url).searchParams.get("format") ?? "json";
  if (format !== "json" && format !== "txt" && format !== "md") throw new AppError("INVALID_INPUT", "format must be json, txt or md");
  const job = await getJobView(db(), (await params).id);
  if (job.fileExpiredAt) throw new AppError("FILE_EXPIRED", `Job ${job.id}'s result was removed on ${job.fileExpiredAt} by the retention setting`);
  if (job.status !== "SUCCEEDED" || !job.result) throw new AppError("CONFLICT", `Job ${job.id} is ${job.status}; its result exists once it has succeeded`);
  const base = job.fileName.replace(/\.[^.]+$/, "").replace(/[^\w.-]+/g, "_") || "result";
  if (format === "md") {
    const markdown = job.result.markdown ?? job.result.pages.map((p) => p.markdown ?? p.text).join("\n\n");
    return new Response(markdown, { headers: { "content-type": "text/markdown; charset=utf-8", "content-disposition": `attachment; filename="${base}.md"` } });
  }
  if (format === "txt") {
    return new Response(job.result.text, { headers: { "content-type": "text/plain; charset=utf-8", "content-disposition": `attachment; filename="${base}.txt"` } });
  }
  return Response.json(job.result, { headers: { "content-disposition": `attachment; filename="${base}.json"` } });
});
