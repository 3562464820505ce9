import { ZThresholdsSchema } from "@headroom/protocol";
import { z } from "zod";

export const ZNodeListInputSchema = z.object({}).optional();

const ZThresholdKeySchema = ZThresholdsSchema.keyof();

export const ZNodeViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  hostname: z.string(),
  kind: z.enum(["GPU", "CPU"]),
  gpuName: z.string().nullable(),
  gpuIndex: z.number().int().nullable(),
  state: z.enum(["online", "offline", "drained"]),
  /** Execution provider the runner got (cuda, webgpu, cpu), and why earlier ones failed. */
  provider: z.string().nullable(),
  providerNotes: z.unknown().nullable(),
  memory: z.object({
    totalMiB: z.number(),
    usedMiB: z.number(),
    freeMiB: z.number(),
    /** The model runner's own usage. */
    processMiB: z.number().nullable(),
    utilPct: z.number().nullable(),
    usedPct: z.number().nullable(),
    source: z.string().nullable(),
  }),
  jobsInFlight: z.number().int(),
  maxConcurrent: z.number().int(),
  lastHeartbeatAt: z.string().nullable(),
  /** Age of the last heartbeat when this answer was made, in ms. */
  heartbeatAgeMs: z.number().nullable(),
  agentVersion: z.string().nullable(),
  appliedSettingsVersion: z.number().int().nullable(),
  /** The settings version in force for this node (@headroom/policy settingsVersion). */
  settingsVersion: z.number().int(),
  settingsApplied: z.boolean(),
  thresholds: ZThresholdsSchema,
  /** Thresholds this node overrides; the rest are the fleet's. */
  overridden: z.array(ZThresholdKeySchema),
  alerts: z.object({
    /** Usage is above the node's alert threshold. */
    memory: z.boolean(),
    /** Trend of memory right after cleanups over the last 24 h (≥ 3 cleanups); warn when it climbs too fast. */
    leak: z.object({ mibPerHour: z.number(), points: z.number().int(), warn: z.boolean() }).nullable(),
  }),
});
export type TNodeView = z.infer<typeof ZNodeViewSchema>;

export const ZNodeListOutputSchema = z.object({
  nodes: z.array(ZNodeViewSchema),
  fleet: z.object({ thresholds: ZThresholdsSchema, version: z.number().int().nullable() }),
  generatedAt: z.string(),
});
export type TNodeListOutput = z.infer<typeof ZNodeListOutputSchema>;
