// Shapes of the settings API, shared by REST and tRPC. Inputs check types only (finite numbers,
// known fields); ranges and order are the domain's call (./validate), so both edges give the
// same per-field messages.
import { ZRetentionSchema, ZThresholdsSchema } from "@headroom/protocol";
import { z } from "zod";

const ZValueSchema = z.number().finite();

export const ZThresholdKeySchema = ZThresholdsSchema.keyof();

/** Some thresholds of the fleet; unknown fields are refused so a typo is not silently ignored. */
export const ZFleetSettingsPatchSchema = z.strictObject({
  admissionMaxUsagePct: ZValueSchema.optional(),
  admissionMinFreeMiB: ZValueSchema.optional(),
  memoryCapPct: ZValueSchema.optional(),
  cleanupAbovePct: ZValueSchema.optional(),
  batchCleanupEvery: ZValueSchema.optional(),
  sweepIntervalS: ZValueSchema.optional(),
  sweepAbovePct: ZValueSchema.optional(),
  sampleIntervalMs: ZValueSchema.optional(),
  jobTimeoutS: ZValueSchema.optional(),
  alertAbovePct: ZValueSchema.optional(),
  memoryBudgetMiB: ZValueSchema.optional(),
});
export type TFleetSettingsPatch = z.infer<typeof ZFleetSettingsPatchSchema>;

/** Some override fields of a node: a number sets it, null clears it (back to the fleet value). */
export const ZNodeOverridePatchSchema = z.strictObject({
  admissionMaxUsagePct: ZValueSchema.nullable().optional(),
  admissionMinFreeMiB: ZValueSchema.nullable().optional(),
  memoryCapPct: ZValueSchema.nullable().optional(),
  cleanupAbovePct: ZValueSchema.nullable().optional(),
  batchCleanupEvery: ZValueSchema.nullable().optional(),
  sweepIntervalS: ZValueSchema.nullable().optional(),
  sweepAbovePct: ZValueSchema.nullable().optional(),
  sampleIntervalMs: ZValueSchema.nullable().optional(),
  jobTimeoutS: ZValueSchema.nullable().optional(),
  alertAbovePct: ZValueSchema.nullable().optional(),
  memoryBudgetMiB: ZValueSchema.nullable().optional(),
});
export type TNodeOverridePatch = z.infer<typeof ZNodeOverridePatchSchema>;

/** A node's override fields; null means "the fleet value". */
export const ZNodeOverrideSchema = z.object({
  admissionMaxUsagePct: z.number().nullable(),
  admissionMinFreeMiB: z.number().nullable(),
  memoryCapPct: z.number().nullable(),
  cleanupAbovePct: z.number().nullable(),
  batchCleanupEvery: z.number().nullable(),
  sweepIntervalS: z.number().nullable(),
  sweepAbovePct: z.number().nullable(),
  sampleIntervalMs: z.number().nullable(),
  jobTimeoutS: z.number().nullable(),
  alertAbovePct: z.number().nullable(),
  memoryBudgetMiB: z.number().nullable(),
});
export type TNodeOverride = z.infer<typeof ZNodeOverrideSchema>;

export const ZFleetSettingsSchema = z.object({
  thresholds: ZThresholdsSchema,
  version: z.number().int(),
});
export type TFleetSettings = z.infer<typeof ZFleetSettingsSchema>;

export const ZNodeSettingsSchema = z.object({
  nodeId: z.string(),
  nodeName: z.string(),
  override: ZNodeOverrideSchema,
  effective: ZThresholdsSchema,
  /** The override's own version; 0 while the node has never had one. */
  version: z.number().int(),
  fleetVersion: z.number().int(),
  /** What the agent reports back once applied (@headroom/policy settingsVersion). */
  settingsVersion: z.number().int(),
});
export type TNodeSettings = z.infer<typeof ZNodeSettingsSchema>;

/** A threshold, or a retention setting (audit scope "retention", server/retention/fields.ts). */
export const ZSettingsFieldSchema = z.union([ZThresholdKeySchema, ZRetentionSchema.keyof()]);

export const ZSettingsChangeSchema = z.object({
  field: ZSettingsFieldSchema,
  from: z.number().nullable(),
  to: z.number().nullable(),
});

export const ZAuditEntrySchema = z.object({
  id: z.string(),
  /** "fleet", "retention" or a node id. */
  scope: z.string(),
  /** The node's name for a node scope (null for the fleet, or when the node is gone). */
  nodeName: z.string().nullable(),
  actorLabel: z.string(),
  actorId: z.string().nullable(),
  changes: z.array(ZSettingsChangeSchema),
  createdAt: z.string(),
});
export type TAuditEntry = z.infer<typeof ZAuditEntrySchema>;

export const ZAuditListInputSchema = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  /** "fleet" or a node id; all scopes when absent. */
  scope: z.string().max(64).optional(),
});
export type TAuditListInput = z.infer<typeof ZAuditListInputSchema>;

export const ZAuditListOutputSchema = z.object({ entries: z.array(ZAuditEntrySchema) });
export type TAuditListOutput = z.infer<typeof ZAuditListOutputSchema>;

/** Who made a change, as the audit records it. */
export type TActor = { label: string; id: string | null };
