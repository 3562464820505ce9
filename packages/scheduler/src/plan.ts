// Reading and deciding, without writing: the queued batch and the fleet in, the placements and the
// changed wait reasons out. The tick writes the result (placement-writes.ts); tests can change rows
// between the two to prove that the writes skip what changed.
import type { Db, Prisma } from "@headroom/db";
import { budgetedTotalMiB, effectiveThresholds, predictionKey, predictPeakMiB, type TPeakModel } from "@headroom/policy";
import type { TThresholds } from "@headroom/protocol";
import { FleetIndex, type TIndexNode } from "./fleet-index.ts";
import { chooseHold, DEFAULT_HOLD_POLICY, type THoldPolicy } from "./head-of-line.ts";

export type TPlannedPlacement = { jobId: string; nodeId: string; attempt: number; predictedPeakMiB: number; placement: Prisma.InputJsonObject };
export type TPlannedWait = { jobId: string; reason: string; headroomNeededMiB: number | null; predictedPeakMiB: number };
/**
 * `waiting` holds only the jobs whose stored reason changed; `unschedulable` counts them all. `held`:
 * the node kept free this tick for the job at the head of the queue (head-of-line.ts), if any.
 */
export type TPlan = { placements: TPlannedPlacement[]; waiting: TPlannedWait[]; unschedulable: number; held: { jobId: string; nodeId: string } | null };

/** A node as loadFleet decodes it, in the statement's column order. */
export type TFleetRow = [id: string, name: string, model: string | null, provider: string | null, online: boolean, drained: boolean, maxConcurrent: number, totalMiB: number, usedMiB: number, override: string | null, inFlight: number, reservedMiB: number];

/**
 * Every node with its jobs in flight as a count and a sum, in one statement that answers one text
 * value, and the fleet's settings beside it. The tick reads the whole fleet each time, so what it
 * costs per node is what counts:
 * - row by row (Prisma's findMany with the overrides' relation, plus a groupBy) the scheduler spent
 *   22 µs of CPU per node per tick, 0.2 s a tick at 10,000 nodes (bench/tick-profile.ts); rows
 *   through $queryRaw still 16 µs, a JSON.parse about 1;
 * - one JSON array per node (`json_build_array`, which works out each argument's type on every
 *   row) then cost Postgres most of the read: 5 ms at 1,000 nodes, a third of a core at 74 ticks a
 *   second on the 16-core host (docs/scaling.md); one JSON array per column (`json_agg`, which works
 *   out its type once) carries the same values for a fifth to a quarter less of Postgres's CPU at
 *   1,000 nodes and a tenth less at 10,000 (bench/fleet-read.ts).
 * The aggregates see the rows in the same order, as they run over one scan in one pass.
 */
export async function loadFleet(db: Db): Promise<TIndexNode[]> {
  const [fleet, [result]] = await Promise.all([
    db.fleetSettings.findUnique({ where: { id: 1 } }),
    db.$queryRaw<{ fleet: string | null }[]>`
      SELECT json_build_array(json_agg(n.id), json_agg(n.name), json_agg(n.model), json_agg(n.provider), json_agg(n.status = 'ONLINE'), json_agg(n.drained),
               json_agg(n."maxConcurrent"), json_agg(n."totalMiB"), json_agg(n."usedMiB"),
               json_agg(CASE WHEN o."nodeId" IS NULL THEN NULL ELSE (to_jsonb(o) - 'nodeId' - 'version' - 'updatedAt')::text END),
               json_agg(coalesce(f.jobs, 0)), json_agg(coalesce(f.reserved, 0)))::text AS fleet
      FROM "Node" n
      LEFT JOIN "NodeSettingsOverride" o ON o."nodeId" = n.id
      LEFT JOIN (SELECT "nodeId", count(*) AS jobs, sum("predictedPeakMiB") AS reserved FROM "Job"
                 WHERE status IN ('PLACED', 'RUNNING') AND "nodeId" IS NOT NULL GROUP BY "nodeId") f ON f."nodeId" = n.id`,
  ]);
  return toIndexNodes(fleet, fleetRows(JSON.parse(result?.fleet ?? "[]") as unknown[][]));
}

/** The columns back into rows; an empty fleet aggregates to nulls. */
function fleetRows(columns: unknown[][]): TFleetRow[] {
  const ids = columns[0] ?? [];
  return ids.map((_, i) => columns.map((c) => c[i]) as TFleetRow);
}

/** The nodes without an override (or with the same one) share one effectiveThresholds call. */
export function toIndexNodes(fleet: Partial<TThresholds> | null, rows: TFleetRow[]): TIndexNode[] {
  const thresholdsFor = new Map<string | null, TThresholds>();
  return rows.map(([id, name, model, provider, online, drained, maxConcurrent, totalMiB, usedMiB, override, inFlight, reservedMiB]) => {
    let thresholds = thresholdsFor.get(override);
    if (!thresholds) thresholdsFor.set(override, (thresholds = effectiveThresholds(fleet, override === null ? null : JSON.parse(override))));
    // The node reports a budgeted total, but only from its next heartbeat on: a budget saved a moment
    // ago binds placement now (runs x4c and h1s placed on the whole card for up to 3.3 s).
    totalMiB = budgetedTotalMiB(totalMiB, thresholds.memoryBudgetMiB);
    return { id, name, predictionKey: predictionKey(model, provider), online, drained, maxConcurrent, totalMiB, usedMiB, inFlight, reservedMiB, thresholds };
  });
}

type TQueuedJob = { id: string; attempt: number; widthPx: number | null; heightPx: number | null; pages: number; unschedulableReason: string | null; headroomNeededMiB: number | null; createdAtMs: number };

/** The batch in queue order, as one JSON text like the fleet (loadFleet says why), narrow columns only. */
async function readQueue(db: Db, now: Date, batchSize: number): Promise<TQueuedJob[]> {
  // "runAfter" and "createdAt" are UTC timestamps without a zone (Prisma's DateTime), so `now` is compared as UTC.
  const [result] = await db.$queryRaw<{ batch: string | null }[]>`
    SELECT json_agg(json_build_array(id, attempt, "widthPx", "heightPx", pages, "unschedulableReason", "headroomNeededMiB",
                                     extract(epoch FROM "createdAt") * 1000) ORDER BY priority DESC, "createdAt" ASC)::text AS batch
    FROM (SELECT id, attempt, "widthPx", "heightPx", pages, "unschedulableReason", "headroomNeededMiB", priority, "createdAt" FROM "Job"
          WHERE status = 'QUEUED' AND "runAfter" <= (${now.toISOString()}::timestamptz AT TIME ZONE 'UTC')
          ORDER BY priority DESC, "createdAt" ASC LIMIT ${batchSize}) q`;
  const rows = JSON.parse(result?.batch ?? "[]") as [string, number, number | null, number | null, number, string | null, number | null, number][];
  return rows.map(([id, attempt, widthPx, heightPx, pages, unschedulableReason, headroomNeededMiB, createdAtMs]) => ({ id, attempt, widthPx, heightPx, pages, unschedulableReason, headroomNeededMiB, createdAtMs }));
}

/** For each retried job, the nodes where an attempt of it failed or lost its lease. */
async function nodesThatFailed(db: Db, jobIds: string[]): Promise<Map<string, string[]>> {
  const byJob = new Map<string, string[]>();
  if (jobIds.length === 0) return byJob;
  const events = await db.jobEvent.findMany({ where: { jobId: { in: jobIds }, type: { in: ["retried", "lease_expired"] }, nodeId: { not: null } }, select: { jobId: true, nodeId: true } });
  for (const e of events) byJob.set(e.jobId, [...(byJob.get(e.jobId) ?? []), e.nodeId!]);
  return byJob;
}

/**
 * `hold`: the head-of-line policy (head-of-line.ts), null for none. `onDecided`, if given, receives
 * the placements in queue order, in chunks of `DECIDED_CHUNK` as they are decided, so the caller can
 * start writing them while the rest are decided (each chunk's reservations are already in the index,
 * so later decisions account for them); the plan still lists them all.
 */
export async function planPlacements(
  db: Db,
  now: Date,
  batchSize: number,
  models: Map<string, TPeakModel>,
  hold: THoldPolicy | null = DEFAULT_HOLD_POLICY,
  onDecided?: (placements: TPlannedPlacement[]) => void,
): Promise<TPlan> {
  const queued = await readQueue(db, now, batchSize);
  const plan: TPlan = { placements: [], waiting: [], unschedulable: 0, held: null };
  // Only the head of the queue may get a hold: the first job, in queue order, turned down for memory.
  let headSeen = hold === null;
  let handedOver = 0;
  if (queued.length === 0) return plan;
  const [nodes, failedOn] = await Promise.all([loadFleet(db), nodesThatFailed(db, queued.filter((j) => j.attempt > 0).map((j) => j.id))]);
  const keyOf = new Map(nodes.map((n) => [n.id, n.predictionKey ?? ""]));
  const index = new FleetIndex(nodes);
  for (const job of queued) {
    const peakMiBByKey = Object.fromEntries([...models].map(([key, m]) => [key, predictPeakMiB(job, m)]));
    const placementJob = { id: job.id, predictedPeakMiB: predictPeakMiB(job), peakMiBByKey, avoidNodeIds: failedOn.get(job.id) };
    const decision = index.place(placementJob);
    const { predictedPeakMiB } = decision;
    if (!decision.ok) {
      plan.unschedulable++;
      const { headroomNeededMiB } = decision;
      let { reason } = decision;
      if (!headSeen && headroomNeededMiB !== null) {
        headSeen = true;
        const h = chooseHold(now.getTime() - job.createdAtMs, index.holdCandidates(placementJob), hold!);
        if (h.nodeId !== null) {
          index.withhold(h.nodeId);
          plan.held = { jobId: job.id, nodeId: h.nodeId };
          reason = `${reason}; ${h.reason}`;
        }
      }
      if (job.unschedulableReason !== reason || job.headroomNeededMiB !== headroomNeededMiB) plan.waiting.push({ jobId: job.id, reason, headroomNeededMiB, predictedPeakMiB });
      continue;
    }
    const model = models.get(keyOf.get(decision.nodeId) ?? "");
    const prediction = model ? { source: "history", n: model.n, baseMiB: Math.round(model.baseMiB), mibPerMegapixel: Math.round(model.mibPerMegapixel * 10) / 10 } : { source: "prior" };
    const placement = { reason: "most headroom after placement", predictedPeakMiB, prediction, chosen: decision.chosen, ...decision.summary };
    plan.placements.push({ jobId: job.id, nodeId: decision.nodeId, attempt: job.attempt, predictedPeakMiB, placement });
    index.reserve(decision.nodeId, predictedPeakMiB);
    if (onDecided && plan.placements.length - handedOver >= DECIDED_CHUNK) {
      onDecided(plan.placements.slice(handedOver));
      handedOver = plan.placements.length;
      // Let the driver send what the caller started before deciding on.
      await new Promise<void>((r) => setImmediate(r));
    }
  }
  if (onDecided && plan.placements.length > handedOver) onDecided(plan.placements.slice(handedOver));
  return plan;
}

/** Placements handed to `onDecided` at a time: enough for a split write (placement-writes.ts MIN_SPLIT_JOBS per statement). */
export const DECIDED_CHUNK = 200;
