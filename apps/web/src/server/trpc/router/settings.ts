// Thresholds for the UI: fleet defaults, per-node overrides, retention and the audit log. Same domain calls,
// validation and audit as REST /api/v1/settings.
import { z } from "zod";
import { db } from "@/server/db";
import { getFleetSettings, getNodeSettings, listSettingsAudit, updateFleetSettings, updateNodeOverride } from "../../settings/service";
import {
  ZAuditListInputSchema, ZAuditListOutputSchema, ZFleetSettingsPatchSchema, ZFleetSettingsSchema, ZNodeOverridePatchSchema, ZNodeSettingsSchema,
} from "../../settings/settings.types";
import { getRetention, updateRetention, ZRetentionPatchSchema, ZRetentionSettingsSchema } from "../../retention/settings";
import { adminProcedure, authedProcedure, createTRPCRouter } from "../trpc";

const actorOf = (p: { id: string; label: string }) => ({ label: p.label, id: p.id });
/** The version the form was loaded at: a change made meanwhile by someone else is refused, not overwritten. */
const ZExpectedVersionSchema = z.number().int().min(0).optional();

export const settingsRouter = createTRPCRouter({
  get: authedProcedure
    .input(z.object({}).optional())
    .output(ZFleetSettingsSchema)
    .query(() => getFleetSettings(db())),

  update: adminProcedure
    .input(z.object({ changes: ZFleetSettingsPatchSchema, expectedVersion: ZExpectedVersionSchema }))
    .output(ZFleetSettingsSchema)
    .mutation(async ({ ctx, input }) => {
      const { thresholds, version } = await updateFleetSettings(db(), input.changes, actorOf(ctx.principal), { expectedVersion: input.expectedVersion });
      return { thresholds, version };
    }),

  nodeOverride: createTRPCRouter({
    get: authedProcedure
      .input(z.object({ nodeId: z.string() }))
      .output(ZNodeSettingsSchema)
      .query(({ input }) => getNodeSettings(db(), input.nodeId)),

    update: adminProcedure
      .input(z.object({ nodeId: z.string(), changes: ZNodeOverridePatchSchema, expectedVersion: ZExpectedVersionSchema }))
      .output(ZNodeSettingsSchema)
      .mutation(async ({ ctx, input }) => {
        const { changes: _changes, ...out } = await updateNodeOverride(db(), input.nodeId, input.changes, actorOf(ctx.principal), { expectedVersion: input.expectedVersion });
        return out;
      }),
  }),

  // How long samples, files and results are kept (server/retention); audited like the thresholds.
  retention: createTRPCRouter({
    get: authedProcedure
      .input(z.object({}).optional())
      .output(ZRetentionSettingsSchema)
      .query(() => getRetention(db())),

    update: adminProcedure
      .input(z.object({ changes: ZRetentionPatchSchema, expectedVersion: ZExpectedVersionSchema }))
      .output(ZRetentionSettingsSchema)
      .mutation(async ({ ctx, input }) => {
        const { changes: _changes, ...out } = await updateRetention(db(), input.changes, actorOf(ctx.principal), { expectedVersion: input.expectedVersion });
        return out;
      }),
  }),

  audit: createTRPCRouter({
    list: authedProcedure
      .input(ZAuditListInputSchema)
      .output(ZAuditListOutputSchema)
      .query(async ({ input }) => ({ entries: await listSettingsAudit(db(), input) })),
  }),
});
