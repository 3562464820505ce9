// The fleet for the UI: each node's latest memory, state, provider and thresholds in force.
import { env } from "@/env";
import { db } from "@/server/db";
import { listNodes } from "../../nodes/list-nodes";
import { nodeMemorySeries, ZMemorySeriesSchema, ZNodeMemoryInputSchema } from "../../nodes/memory-series";
import { setNodeDrained } from "@headroom/scheduler";
import { z } from "zod";
import { adminProcedure, authedProcedure, createTRPCRouter } from "../trpc";
import { ZNodeListInputSchema, ZNodeListOutputSchema } from "../../nodes/list-nodes.types";

export const nodeRouter = createTRPCRouter({
  list: authedProcedure
    .input(ZNodeListInputSchema)
    .output(ZNodeListOutputSchema)
    .query(() => listNodes(db(), { nowMs: Date.now(), offlineAfterMs: env().HEADROOM_NODE_OFFLINE_MS })),

  /** Memory over a range ending now, downsampled to ≤ ~300 buckets, with cleanup/sweep/refusal/oom markers. */
  memory: authedProcedure
    .input(ZNodeMemoryInputSchema)
    .output(ZMemorySeriesSchema)
    .query(({ input }) => nodeMemorySeries(db(), input.nodeId, input.range, Date.now())),

  setDrained: adminProcedure
    .input(z.object({ id: z.string().uuid(), drained: z.boolean() }))
    .output(z.object({ requeued: z.number().int() }))
    .mutation(({ ctx, input }) => setNodeDrained(db(), input.id, input.drained, ctx.principal.label)),
});
