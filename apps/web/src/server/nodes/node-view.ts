// The public shape of a node (GET /api/v1/nodes and the UI): latest reading, state and thresholds in force.
import type { Db } from "@headroom/db";
import { ZThresholdsSchema } from "@headroom/protocol";
import { effectiveThresholds, settingsVersion } from "@headroom/scheduler";
import { z } from "zod";

export const ZNodeViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  hostname: z.string(),
  kind: z.enum(["GPU", "CPU"]),
  gpuIndex: z.number().nullable(),
  gpuName: z.string().nullable(),
  state: z.enum(["online", "offline", "drained"]),
  provider: z.string().nullable(),
  providerNotes: z.unknown().nullable(),
  memory: z.object({
    usedMiB: z.number(),
    totalMiB: z.number(),
    freeMiB: z.number(),
    usedPct: z.number(),
    processMiB: z.number().nullable(),
    utilPct: z.number().nullable(),
    source: z.string().nullable(),
  }),
  jobsInFlight: z.number(),
  lastHeartbeatAt: z.string().nullable(),
  thresholds: ZThresholdsSchema,
  settingsVersion: z.number(),
  appliedSettingsVersion: z.number().nullable(),
});
export type TNodeView = z.infer<typeof ZNodeViewSchema>;

export async function listNodeViews(db: Db): Promise<TNodeView[]> {
  const [fleet, nodes, inFlight] = await Promise.all([
    db.fleetSettings.findUnique({ where: { id: 1 } }),
    db.node.findMany({ orderBy: { name: "asc" }, include: { settingsOverride: true } }),
    db.job.groupBy({ by: ["nodeId"], where: { status: { in: ["PLACED", "RUNNING"] } }, _count: { _all: true } }),
  ]);
  return nodes.map((n) =>
    ZNodeViewSchema.parse({
      id: n.id,
      name: n.name,
      hostname: n.hostname,
      kind: n.kind,
      gpuIndex: n.gpuIndex,
      gpuName: n.gpuName,
      state: n.status === "OFFLINE" ? "offline" : n.drained ? "drained" : "online",
      provider: n.provider,
      providerNotes: n.providerNotes ?? null,
      memory: {
        usedMiB: n.usedMiB,
        totalMiB: n.totalMiB,
        freeMiB: n.freeMiB,
        usedPct: n.totalMiB > 0 ? Math.round((n.usedMiB / n.totalMiB) * 1000) / 10 : 0,
        processMiB: n.processMiB,
        utilPct: n.utilPct,
        source: n.memorySource,
      },
      jobsInFlight: inFlight.find((g) => g.nodeId === n.id)?._count._all ?? 0,
      lastHeartbeatAt: n.lastHeartbeatAt?.toISOString() ?? null,
      thresholds: effectiveThresholds(fleet, n.settingsOverride),
      settingsVersion: settingsVersion(fleet?.version ?? 1, n.settingsOverride?.version ?? null),
      appliedSettingsVersion: n.appliedSettingsVersion,
    }),
  );
}
