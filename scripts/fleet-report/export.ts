// One phase of a fleet run, read out of the database as plain JSON: the jobs created in the window,
// what happened to them, and what the nodes did and measured meanwhile. Runs on the GPU host against
// the fleet's Postgres (bundled by esbuild for a bare `node`), so it needs nothing but the client.
import type { Prisma, PrismaClient } from "@headroom/db";
import type { TDumpJob, TDumpJobEvent, TDumpNode, TDumpNodeEvent, TDumpSample, TPhaseDump, TThresholdValues } from "./types.ts";

export type { TFleetRun, TPhaseDump } from "./types.ts";

export type TExportWindow = { label: string; since: Date; until: Date; nodeNames?: string[] };

/** 250 ms samples from 4 GPUs for ~50 min; beyond this the window is downsampled. */
export const MAX_SAMPLES = 50_000;

export async function exportWindow(db: PrismaClient, w: TExportWindow, opts: { maxSamples?: number } = {}): Promise<TPhaseDump> {
  const inWindow = { gte: w.since, lte: w.until };
  const nodeIds = await activeNodeIds(db, w);
  const nodeFilter = { in: [...nodeIds] };

  const [nodeRows, fleet, jobRows, jobEventRows, nodeEventRows, audit] = await Promise.all([
    db.node.findMany({ where: { id: nodeFilter }, orderBy: [{ gpuIndex: "asc" }, { name: "asc" }], select: { id: true, name: true, kind: true, gpuIndex: true, gpuName: true, provider: true, model: true, totalMiB: true } }),
    // Every column, not a select: thresholds are added over time and each belongs in the dump.
    db.fleetSettings.findUnique({ where: { id: 1 } }),
    db.job.findMany({
      where: { createdAt: inWindow, ...(w.nodeNames ? { OR: [{ nodeId: nodeFilter }, { nodeId: null }] } : {}) },
      orderBy: { createdAt: "asc" },
      select: {
        id: true, fileName: true, pages: true, widthPx: true, heightPx: true, status: true, errorCode: true, unschedulableReason: true,
        attempt: true, predictedPeakMiB: true, observedPeakMiB: true, memBeforeMiB: true, memAfterMiB: true, timings: true,
        createdAt: true, placedAt: true, startedAt: true, finishedAt: true, node: { select: { name: true } },
      },
    }),
    // By relation rather than `jobId IN (…)`: a phase may hold more jobs than Postgres takes bind parameters.
    db.jobEvent.findMany({
      where: { job: { createdAt: inWindow } },
      orderBy: { id: "asc" },
      select: { jobId: true, type: true, attempt: true, data: true, createdAt: true, node: { select: { name: true } } },
    }),
    db.nodeEvent.findMany({
      where: { nodeId: nodeFilter, createdAt: inWindow },
      orderBy: [{ createdAt: "asc" }, { id: "asc" }],
      select: { type: true, beforeMiB: true, afterMiB: true, freedMiB: true, data: true, createdAt: true, node: { select: { name: true } } },
    }),
    db.settingsAudit.findMany({ where: { createdAt: inWindow }, orderBy: { id: "asc" }, select: { scope: true, actorLabel: true, changes: true, createdAt: true } }),
  ]);
  const overrideRows = await db.nodeSettingsOverride.findMany({ where: { nodeId: nodeFilter } });

  const fleetValues = fleet ? thresholdValues(fleet) : null;
  const nameById = new Map(nodeRows.map((n) => [n.id, n.name]));
  const overrides: Record<string, TThresholdValues> = {};
  for (const o of overrideRows) overrides[nameById.get(o.nodeId) ?? o.nodeId] = thresholdValues(o);

  const nodes: TDumpNode[] = nodeRows.map(({ id: _id, ...n }) => ({ ...n, kind: String(n.kind), thresholds: { ...fleetValues, ...overrides[n.name] } }));
  const jobs: TDumpJob[] = jobRows.map(({ node, ...j }) => ({
    ...j,
    status: String(j.status),
    nodeName: node?.name ?? null,
    timings: numberRecord(j.timings),
    createdAt: j.createdAt.toISOString(),
    placedAt: iso(j.placedAt),
    startedAt: iso(j.startedAt),
    finishedAt: iso(j.finishedAt),
  }));
  const jobIds = new Set(jobs.map((j) => j.id));
  const jobEvents: TDumpJobEvent[] = jobEventRows
    .filter((e) => jobIds.has(e.jobId))
    .map(({ node, ...e }) => ({ ...e, nodeName: node?.name ?? null, data: e.data ?? null, createdAt: e.createdAt.toISOString() }));
  const nodeEvents: TDumpNodeEvent[] = nodeEventRows.map(({ node, ...e }) => ({ ...e, nodeName: node.name, data: e.data ?? null, createdAt: e.createdAt.toISOString() }));

  const samplesInWindow = await db.memorySample.count({ where: { nodeId: nodeFilter, at: inWindow } });
  const stride = sampleStride(samplesInWindow, opts.maxSamples ?? MAX_SAMPLES);
  const samples = await readSamples(db, [...nodeIds], w, stride);

  return {
    label: w.label,
    since: w.since.toISOString(),
    until: w.until.toISOString(),
    exportedAt: new Date().toISOString(),
    nodes,
    jobs,
    jobEvents,
    nodeEvents,
    samples,
    samplesInWindow,
    samplesStride: stride,
    thresholds: {
      fleet: fleetValues,
      overrides,
      changes: audit.map((a) => ({ ...a, createdAt: a.createdAt.toISOString() })),
    },
  };
}

/** Named nodes, or else every node that ran a job, reported an event or sent a sample in the window. */
async function activeNodeIds(db: PrismaClient, w: TExportWindow): Promise<Set<string>> {
  if (w.nodeNames) {
    const rows = await db.node.findMany({ where: { name: { in: w.nodeNames } }, select: { id: true } });
    return new Set(rows.map((r) => r.id));
  }
  const inWindow = { gte: w.since, lte: w.until };
  const [jobs, events, samples] = await Promise.all([
    db.job.groupBy({ by: ["nodeId"], where: { createdAt: inWindow, nodeId: { not: null } } }),
    db.nodeEvent.groupBy({ by: ["nodeId"], where: { createdAt: inWindow } }),
    db.memorySample.groupBy({ by: ["nodeId"], where: { at: inWindow } }),
  ]);
  return new Set([...jobs, ...events, ...samples].map((r) => r.nodeId).filter((id): id is string => id !== null));
}

/** How many consecutive samples of a node go into one kept sample so that at most `max` remain. */
export function sampleStride(count: number, max: number): number {
  return count <= max ? 1 : Math.ceil(count / max);
}

async function readSamples(db: PrismaClient, nodeIds: string[], w: TExportWindow, stride: number): Promise<TDumpSample[]> {
  if (nodeIds.length === 0) return [];
  // Raw SQL because Prisma cannot group by row_number(). Each bucket of `stride` consecutive samples
  // of a node keeps its first time and its peak: the peaks are what the memory cap is about, and an
  // even pick of every n-th sample could step right over a spike.
  const rows = await db.$queryRaw<{ nodeName: string; at: Date; usedMiB: number; totalMiB: number; processMiB: number | null }[]>`
    SELECT n.name AS "nodeName", min(s.at) AS at, max(s."usedMiB")::int AS "usedMiB", max(s."totalMiB")::int AS "totalMiB", max(s."processMiB")::int AS "processMiB"
    FROM (
      SELECT "nodeId", at, "usedMiB", "totalMiB", "processMiB",
             (row_number() OVER (PARTITION BY "nodeId" ORDER BY at, id) - 1) / ${stride} AS bucket
      FROM "MemorySample"
      WHERE "nodeId" = ANY(${nodeIds}::uuid[]) AND at >= ${w.since} AND at <= ${w.until}
    ) s
    JOIN "Node" n ON n.id = s."nodeId"
    GROUP BY n.name, s.bucket
    ORDER BY at, n.name`;
  return rows.map((r) => ({ ...r, at: r.at.toISOString() }));
}

/** The numeric columns of a settings row (not its id, version or timestamps); null overrides left out. */
export function thresholdValues(row: object): TThresholdValues {
  const skip = new Set(["id", "nodeId", "version"]);
  const out: TThresholdValues = {};
  for (const [k, v] of Object.entries(row)) if (!skip.has(k) && typeof v === "number") out[k] = v;
  return out;
}

function numberRecord(json: Prisma.JsonValue | null): Record<string, number> | null {
  if (json === null || typeof json !== "object" || Array.isArray(json)) return null;
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(json)) if (typeof v === "number") out[k] = v;
  return out;
}

function iso(d: Date | null): string | null {
  return d ? d.toISOString() : null;
}
