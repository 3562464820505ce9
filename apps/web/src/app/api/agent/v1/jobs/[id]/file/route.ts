import { Readable } from "node:stream";
import { AppError } from "@headroom/protocol";
import { heldJobFile } from "@headroom/scheduler";
import { requireNode } from "@/server/agent/node-auth";
import { db } from "@/server/db";
import { route } from "@/server/http";
import { uploadStore } from "@/server/jobs/upload-store";

export const dynamic = "force-dynamic";

/** The job's bytes, only for the node that holds it. */
export const GET = route<{ params: Promise<{ id: string }> }>(async (req, { params }) => {
  const node = await requireNode(db(), req.headers.get("authorization"));
  const { id } = await params;
  const job = await heldJobFile(db(), id, node.id);
  if (!job) throw new AppError("LEASE_LOST", `Job ${id} is not running on this node`);
  // Streamed from whichever store holds it (any replica can answer), never read whole into memory.
  const file = await uploadStore().open(job.storageKey);
  const body = Readable.toWeb(file.body) as ReadableStream<Uint8Array>;
  return new Response(body, { headers: { "content-type": job.mimeType, "content-length": String(file.sizeBytes) } });
});
