// Jobs for the UI: a paged, filterable list and one job with its events (the REST view's shape).
import { getJobView, ZJobViewSchema } from "@/server/jobs/job-view";
import { db } from "@/server/db";
import { cancelJobAs } from "@/server/jobs/cancel";
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

  cancel: authedProcedure
    .input(ZJobByIdInputSchema)
    .output(z.object({ outcome: z.enum(["canceled", "already_finished"]) }))
    .mutation(({ ctx, input }) => cancelJobAs(db(), ctx.principal, input.id)),
});
