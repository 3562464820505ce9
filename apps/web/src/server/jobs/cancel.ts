import type { PrismaClient } from "@headroom/db";
import { AppError } from "@headroom/protocol";
import { cancelJob, jobOwner } from "@headroom/scheduler";
import { z } from "zod";
import type { TPrincipal } from "../auth/principal";

/** Admins may cancel any job; anyone else only the jobs they submitted. */
export async function cancelJobAs(db: PrismaClient, principal: TPrincipal, jobId: string): Promise<{ outcome: "canceled" | "already_finished" }> {
  if (!z.string().uuid().safeParse(jobId).success) throw new AppError("NOT_FOUND", `No job ${jobId}`);
  const job = await jobOwner(db, jobId);
  if (!job) throw new AppError("NOT_FOUND", `No job ${jobId}`);
  const owns = principal.kind === "user" ? job.userId === principal.id : job.apiKeyId === principal.id;
  if (principal.role !== "ADMIN" && !owns) throw new AppError("FORBIDDEN", "Only an admin or the job's submitter may cancel it");
  return { outcome: await cancelJob(db, jobId, principal.label) };
}
