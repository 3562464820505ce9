import type { Metadata } from "next";
import { JobDetail } from "@/components/jobs/job-detail";
import { requireUserPage } from "@/server/auth/page";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Job" };

export default async function JobPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  await requireUserPage(`/jobs/${encodeURIComponent(id)}`);
  return <JobDetail id={id} />;
}
