import type { Metadata } from "next";
import { JobsTable } from "@/components/jobs/jobs-table";
import { ZJobStatusSchema } from "@/lib/job-status";
import { requireUserPage } from "@/server/auth/page";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Jobs" };

type TSearch = { page?: string | string[]; status?: string | string[] };

export default async function JobsPage({ searchParams }: { searchParams: Promise<TSearch> }) {
  const params = await searchParams;
  const query = new URLSearchParams();
  if (typeof params.status === "string") query.set("status", params.status);
  if (typeof params.page === "string") query.set("page", params.page);
  await requireUserPage(query.size ? `/jobs?${query}` : "/jobs");
  // Unknown filters and pages fall back to "all" and page 1 rather than erroring.
  const status = ZJobStatusSchema.safeParse(params.status).data;
  const pageNum = Number(params.page);
  const page = Number.isInteger(pageNum) && pageNum >= 1 ? pageNum : 1;
  return (
    <div className="space-y-6">
      <h1 className="text-2xl font-semibold tracking-tight">Jobs</h1>
      <JobsTable page={page} status={status} />
    </div>
  );
}
