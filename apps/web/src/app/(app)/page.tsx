import type { Metadata } from "next";
import { UploadPanel } from "@/components/upload/upload-panel";
import { env } from "@/env";
import { requireUserPage } from "@/server/auth/page";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Upload" };

export default async function UploadPage() {
  await requireUserPage("/");
  return (
    <div className="space-y-6">
      <div>
        <h1 className="text-2xl font-semibold tracking-tight">Upload</h1>
        <p className="mt-1 text-sm text-slate-600">Each file becomes a job, placed on the GPU with the most memory headroom.</p>
      </div>
      <UploadPanel maxUploadBytes={env().HEADROOM_MAX_UPLOAD_BYTES} />
    </div>
  );
}
