// Jobs for the UI: the history (paged, filtered, searched, sorted), one job with its events (the REST
// view's shape) and its node's memory around it.
import { getJobView, ZJobViewSchema } from "@/server/jobs/job-view";
import { db } from "@/server/db";
import { cancelJobAs } from "@/server/jobs/cancel";
import { getJobMemory, ZJobMemorySchema } from "@/server/jobs/job-memory";
import { z } from "zod";
import { listJobs } from "../../jobs/list-jobs";
import { authedProcedure, createTRPCRouter } from "../trpc";
import { ZJobByIdInputSchema, ZJobListInputSchema, ZJobListOutputSchema } from "../../jobs/list-jobs.types";

export const jobRouter = createTRPCRouter({
  list: authedProcedure
    .input(ZJobListInputSchema)
    .output(ZJobListOutputSchema)
    .query(({ input }) => listJobs(db(), input)),

  byId: authedProcedure
    .input(ZJobByIdInputSchema)
    .output(ZJobViewSchema)
    .query(({ input }) => getJobView(db(), input.id)),

  /** Its node's memory around the job, with the job's peak; null before it is placed. */
  memory: authedProcedure
    .input(ZJobByIdInputSchema)
    .output(ZJobMemorySchema)
    .query(({ input }) => getJobMemory(db(), input.id, Date.now())),

  cancel: authedProcedure
    .input(ZJobByIdInputSchema)
    .output(z.object({ outcome: z.enum(["canceled", "already_finished"]) }))
    .mutation(({ ctx, input }) => cancelJobAs(db(), ctx.principal, input.id)),
});
