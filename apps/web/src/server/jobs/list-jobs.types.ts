import { z } from "zod";
import { JOBS_PAGE_SIZE, ZJobFiltersSchema } from "../../lib/job-filters";
import { ZJobStatusSchema } from "../../lib/job-status";

export { JOBS_PAGE_SIZE };

/** Page, filters and sort: the same fields as the /jobs URL and GET /api/v1/jobs (lib/job-filters). */
export const ZJobListInputSchema = ZJobFiltersSchema;
export type TJobListInput = z.infer<typeof ZJobListInputSchema>;

export const ZJobListItemSchema = z.object({
  id: z.string(),
  fileName: z.string(),
  mimeType: z.string(),
  pages: z.number().int(),
  status: ZJobStatusSchema,
  attempt: z.number().int(),
  node: z.object({ id: z.string(), name: z.string() }).nullable(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  /** finishedAt − startedAt, in ms; null until both are known. */
  durationMs: z.number().nullable(),
  observedPeakMiB: z.number().nullable(),
  predictedPeakMiB: z.number().nullable(),
  errorCode: z.string().nullable(),
  unschedulableReason: z.string().nullable(),
});
export type TJobListItem = z.infer<typeof ZJobListItemSchema>;

export const ZJobListOutputSchema = z.object({
  items: z.array(ZJobListItemSchema),
  /** Jobs matching the filters; a lower bound when `totalCapped`. */
  total: z.number().int(),
  /**
   * True when a search matched more jobs than were counted (more than 10,000, or than the end of the
   * requested page if that is further): there are more than `total` matches, and `pageCount` is the
   * number of pages known to exist, not the last page. Always false without a search (`q`).
   */
  totalCapped: z.boolean(),
  page: z.number().int(),
  pageSize: z.number().int(),
  /** ceil(total / pageSize), at least 1; more pages follow when `totalCapped`. */
  pageCount: z.number().int(),
});
export type TJobListOutput = z.infer<typeof ZJobListOutputSchema>;

export const ZJobByIdInputSchema = z.object({ id: z.string().uuid() });
