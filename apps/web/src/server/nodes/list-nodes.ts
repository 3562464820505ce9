// Every node with its latest memory reading, state, load and thresholds in force. Relative
// imports only, so the integration test can load it without the app's path aliases.
import type { Db } from "@headroom/db";
import { effectiveThresholds, settingsVersion } from "@headroom/policy";
import { nodeState, overriddenThresholdKeys, usedPct } from "../../lib/node-state";
import { leakTrendsByNode } from "./leak";
import type { TNodeListOutput } from "./list-nodes.types";

const THRESHOLD_SELECT = {
  admissionMaxUsagePct: true, admissionMinFreeMiB: true, memoryCapPct: true, cleanupAbovePct: true, batchCleanupEvery: true,
  sweepIntervalS: true, sweepAbovePct: true, sampleIntervalMs: true, jobTimeoutS: true, alertAbovePct: true,
  memoryBudgetMiB: true,
} as const;

export async function listNodes(db: Db, opts: { nowMs: number; offlineAfterMs: number }): Promise<TNodeListOutput> {
  const [fleetRow, nodes, inFlight, leaks] = await Promise.all([
    db.fleetSettings.findUnique({ where: { id: 1 }, select: { version: true, ...THRESHOLD_SELECT } }),
    db.node.findMany({
      orderBy: { name: "asc" },
      select: {
        id: true, name: true, hostname: true, kind: true, gpuName: true, gpuIndex: true, provider: true, providerNotes: true,
        status: true, drained: true, maxConcurrent: true, totalMiB: true, usedMiB: true, freeMiB: true, processMiB: true,
        utilPct: true, memorySource: true, agentVersion: true, appliedSettingsVersion: true, lastHeartbeatAt: true,
        settingsOverride: { select: { version: true, ...THRESHOLD_SELECT } },
      },
    }),
    db.job.groupBy({ by: ["nodeId"], where: { status: { in: ["PLACED", "RUNNING"] }, nodeId: { not: null } }, _count: { _all: true } }),
    leakTrendsByNode(db, opts.nowMs),
  ]);
  const inFlightByNode = new Map(inFlight.map((g) => [g.nodeId, g._count._all]));
  // Rows carry `version` beside the thresholds; effectiveThresholds reads only threshold fields.
  const fleet = fleetRow;
  const fleetVersion = fleetRow?.version ?? 1;
  return {
    generatedAt: new Date(opts.nowMs).toISOString(),
    fleet: { thresholds: effectiveThresholds(fleet, null), version: fleetRow?.version ?? null },
    nodes: nodes.map((n) => {
      const override = n.settingsOverride;
      const expectedVersion = settingsVersion(fleetVersion, override?.version ?? null);
      const thresholds = effectiveThresholds(fleet, override);
      const pct = usedPct(n.usedMiB, n.totalMiB);
      return {
        id: n.id,
        name: n.name,
        hostname: n.hostname,
        kind: n.kind,
        gpuName: n.gpuName,
        gpuIndex: n.gpuIndex,
        state: nodeState(n, opts.nowMs, opts.offlineAfterMs),
        provider: n.provider,
        providerNotes: n.providerNotes ?? null,
        memory: {
          totalMiB: n.totalMiB,
          usedMiB: n.usedMiB,
          freeMiB: n.freeMiB,
          processMiB: n.processMiB,
          utilPct: n.utilPct,
          usedPct: pct,
          source: n.memorySource,
        },
        jobsInFlight: inFlightByNode.get(n.id) ?? 0,
        maxConcurrent: n.maxConcurrent,
        lastHeartbeatAt: n.lastHeartbeatAt?.toISOString() ?? null,
        heartbeatAgeMs: n.lastHeartbeatAt ? Math.max(0, opts.nowMs - n.lastHeartbeatAt.getTime()) : null,
        agentVersion: n.agentVersion,
        appliedSettingsVersion: n.appliedSettingsVersion,
        settingsVersion: expectedVersion,
        // Whether the agent reported applying the settings now in force.
        settingsApplied: n.appliedSettingsVersion === expectedVersion,
        thresholds,
        overridden: overriddenThresholdKeys(override),
        alerts: {
          memory: pct !== null && pct > thresholds.alertAbovePct,
          leak: leaks.get(n.id) ?? null,
        },
      };
    }),
  };
}
