import type { Metadata } from "next";
import { Suspense } from "react";
import { JobsTable } from "@/components/jobs/jobs-table";
import { LoadingBlock } from "@/components/ui/states";
import { requireUserPage } from "@/server/auth/page";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Jobs" };

type TSearch = Record<string, string | string[] | undefined>;

export default async function JobsPage({ searchParams }: { searchParams: Promise<TSearch> }) {
  const params = await searchParams;
  const query = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (typeof v === "string") query.set(k, v);
  // Signing in returns to the same view, filters and all.
  await requireUserPage(query.size ? `/jobs?${query}` : "/jobs");
  return (
    <div className="space-y-6">
      <h1 className="text-2xl font-semibold tracking-tight">Jobs</h1>
      {/* The table reads its filters from the URL (useSearchParams). */}
      <Suspense fallback={<LoadingBlock label="Loading jobs" />}>
        <JobsTable />
      </Suspense>
    </div>
  );
}
