// API keys for clients (admin only): list, create (the key is returned once), revoke.
import { z } from "zod";
import { db } from "@/server/db";
import { logger } from "@/server/logger";
import { createApiKey, listApiKeys, revokeApiKey } from "../../admin/api-keys";
import { ZApiKeyIdInputSchema, ZApiKeyViewSchema, ZCreateApiKeyInputSchema, ZCreatedApiKeySchema } from "../../admin/admin.types";
import { adminProcedure, createTRPCRouter } from "../trpc";

export const apiKeyRouter = createTRPCRouter({
  list: adminProcedure
    .input(z.object({}).optional())
    .output(z.object({ keys: z.array(ZApiKeyViewSchema) }))
    .query(async () => ({ keys: await listApiKeys(db()) })),

  create: adminProcedure
    .input(ZCreateApiKeyInputSchema)
    .output(ZCreatedApiKeySchema)
    .mutation(async ({ ctx, input }) => {
      const created = await createApiKey(db(), input, ctx.principal.kind === "user" ? ctx.principal.id : null);
      // The key itself never reaches the log.
      logger().info({ requestId: ctx.requestId, apiKeyId: created.apiKey.id, role: input.role, by: ctx.principal.label }, "API key created");
      return created;
    }),

  revoke: adminProcedure
    .input(ZApiKeyIdInputSchema)
    .output(ZApiKeyViewSchema)
    .mutation(async ({ ctx, input }) => {
      const revoked = await revokeApiKey(db(), input.id);
      logger().info({ requestId: ctx.requestId, apiKeyId: input.id, by: ctx.principal.label }, "API key revoked");
      return revoked;
    }),
});
