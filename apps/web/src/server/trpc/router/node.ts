// The fleet for the UI: each node's latest memory, state, provider and thresholds in force.
import type { TThresholds } from "@headroom/protocol";
import { env } from "@/env";
import { effectiveThresholds, nodeState, usedPct } from "@/lib/node-state";
import { db } from "@/server/db";
import { authedProcedure, createTRPCRouter } from "../trpc";
import { ZNodeListInputSchema, ZNodeListOutputSchema, type TNodeListOutput } from "./node.types";

const THRESHOLD_SELECT = {
  admissionMaxUsagePct: true, admissionMinFreeMiB: true, memoryCapPct: true, cleanupAbovePct: true, batchCleanupEvery: true,
  sweepIntervalS: true, sweepAbovePct: true, sampleIntervalMs: true, jobTimeoutS: true, alertAbovePct: true,
} as const;

export const nodeRouter = createTRPCRouter({
  list: authedProcedure
    .input(ZNodeListInputSchema)
    .output(ZNodeListOutputSchema)
    .query(async (): Promise<TNodeListOutput> => {
      const [fleetRow, nodes, inFlight] = await Promise.all([
        db().fleetSettings.findUnique({ where: { id: 1 }, select: { version: true, ...THRESHOLD_SELECT } }),
        db().node.findMany({
          orderBy: { name: "asc" },
          select: {
            id: true, name: true, hostname: true, kind: true, gpuName: true, gpuIndex: true, provider: true, providerNotes: true,
            status: true, drained: true, maxConcurrent: true, totalMiB: true, usedMiB: true, freeMiB: true, processMiB: true,
            utilPct: true, memorySource: true, agentVersion: true, appliedSettingsVersion: true, lastHeartbeatAt: true,
            settingsOverride: { select: THRESHOLD_SELECT },
          },
        }),
        db().job.groupBy({ by: ["nodeId"], where: { status: { in: ["PLACED", "RUNNING"] }, nodeId: { not: null } }, _count: { _all: true } }),
      ]);
      const now = Date.now();
      const offlineAfterMs = env().HEADROOM_NODE_OFFLINE_MS;
      const inFlightByNode = new Map(inFlight.map((g) => [g.nodeId, g._count._all]));
      let fleet: TThresholds | null = null;
      if (fleetRow) {
        const { version: _version, ...values } = fleetRow;
        fleet = values;
      }
      const fleetThresholds = effectiveThresholds(fleet, null).thresholds;
      return {
        generatedAt: new Date(now).toISOString(),
        fleet: { thresholds: fleetThresholds, version: fleetRow?.version ?? null },
        nodes: nodes.map((n) => {
          const { thresholds, overridden } = effectiveThresholds(fleet, n.settingsOverride);
          return {
            id: n.id,
            name: n.name,
            hostname: n.hostname,
            kind: n.kind,
            gpuName: n.gpuName,
            gpuIndex: n.gpuIndex,
            state: nodeState(n, now, offlineAfterMs),
            provider: n.provider,
            providerNotes: n.providerNotes ?? null,
            memory: {
              totalMiB: n.totalMiB,
              usedMiB: n.usedMiB,
              freeMiB: n.freeMiB,
              processMiB: n.processMiB,
              utilPct: n.utilPct,
              usedPct: usedPct(n.usedMiB, n.totalMiB),
              source: n.memorySource,
            },
            jobsInFlight: inFlightByNode.get(n.id) ?? 0,
            maxConcurrent: n.maxConcurrent,
            lastHeartbeatAt: n.lastHeartbeatAt?.toISOString() ?? null,
            heartbeatAgeMs: n.lastHeartbeatAt ? Math.max(0, now - n.lastHeartbeatAt.getTime()) : null,
            agentVersion: n.agentVersion,
            appliedSettingsVersion: n.appliedSettingsVersion,
            thresholds,
            overridden,
          };
        }),
      };
    }),
});
