// Job statuses as the UI knows them; safe to import from client components (no Prisma).
import { z } from "zod";

export const JOB_STATUSES = ["QUEUED", "PLACED", "RUNNING", "SUCCEEDED", "FAILED", "CANCELED"] as const;
export const ZJobStatusSchema = z.enum(JOB_STATUSES);
export type TJobStatus = z.infer<typeof ZJobStatusSchema>;

const TERMINAL: ReadonlySet<TJobStatus> = new Set(["SUCCEEDED", "FAILED", "CANCELED"]);

/** A job in a terminal status never changes again, so polling it can stop. */
export function isTerminal(status: TJobStatus): boolean {
  return TERMINAL.has(status);
}
