// One scheduling pass: sweep what expired, then place queued jobs by measured headroom.
// Several control-plane replicas may run this loop; a transaction-scoped advisory lock lets one
// of them place at a time, so two replicas never hand the same headroom to two jobs.
import type { Prisma, PrismaClient } from "@headroom/db";
import { budgetedTotalMiB } from "@headroom/protocol";
import { placeJob, summarizeCandidates, type TPlacementNode } from "./placement.ts";
import { PeakModelCache } from "./history.ts";
import { notifyPlaced } from "./notify.ts";
import { predictionKey, predictPeakMiB, type TPeakModel } from "./prediction.ts";
import { effectiveThresholds } from "./thresholds.ts";

const SCHEDULER_LOCK_KEY = 0x4e4144; // arbitrary, fixed: "HEAD"room's placement lock

export type TTickOptions = { nodeOfflineMs: number; batchSize?: number; now?: Date; peakModels?: PeakModelCache };

const defaultPeakModels = new PeakModelCache();
export type TTickResult = { locked: boolean; placed: number; unschedulable: number; expired: number; offline: number };

export async function schedulerTick(db: PrismaClient, opts: TTickOptions): Promise<TTickResult> {
  return db.$transaction(
    async (tx) => {
      const [lock] = await tx.$queryRaw<{ ok: boolean }[]>`SELECT pg_try_advisory_xact_lock(${SCHEDULER_LOCK_KEY}) AS ok`;
      if (!lock?.ok) return { locked: false, placed: 0, unschedulable: 0, expired: 0, offline: 0 };
      const now = opts.now ?? new Date();
      const offline = await markOfflineNodes(tx, new Date(now.getTime() - opts.nodeOfflineMs));
      const expired = await sweepExpiredLeases(tx, now);
      const models = await (opts.peakModels ?? defaultPeakModels).get(tx, now.getTime());
      const { placed, unschedulable } = await placeQueued(tx, now, opts.batchSize ?? 200, models);
      return { locked: true, placed, unschedulable, expired, offline };
    },
    { timeout: 20_000 },
  );
}

async function markOfflineNodes(tx: Prisma.TransactionClient, silentSince: Date): Promise<number> {
  const lost = await tx.node.findMany({ where: { status: "ONLINE", OR: [{ lastHeartbeatAt: { lt: silentSince } }, { lastHeartbeatAt: null }] }, select: { id: true } });
  for (const n of lost) {
    await tx.node.update({ where: { id: n.id }, data: { status: "OFFLINE" } });
    await tx.nodeEvent.create({ data: { nodeId: n.id, type: "offline", data: { reason: "missed heartbeats" } } });
    // Placed but not yet claimed: no attempt was used, so they simply go back to the queue.
    const placed = await tx.job.findMany({ where: { nodeId: n.id, status: "PLACED" }, select: { id: true, attempt: true } });
    for (const j of placed) {
      await tx.job.update({ where: { id: j.id }, data: { status: "QUEUED", nodeId: null } });
      await tx.jobEvent.create({ data: { jobId: j.id, nodeId: n.id, attempt: j.attempt, type: "unplaced", data: { reason: "node went offline" } } });
    }
  }
  return lost.length;
}

/** Running jobs whose lease ran out go back to the queue with the attempt counted, or fail once attempts are used up. */
async function sweepExpiredLeases(tx: Prisma.TransactionClient, now: Date): Promise<number> {
  const expired = await tx.job.findMany({
    where: { status: "RUNNING", leaseExpiresAt: { lt: now } },
    select: { id: true, nodeId: true, attempt: true, maxAttempts: true, errorCode: true, errorMessage: true },
  });
  for (const j of expired) {
    const exhausted = j.attempt >= j.maxAttempts;
    await tx.job.update({
      where: { id: j.id },
      data: exhausted
        ? { status: "FAILED", finishedAt: now, leaseExpiresAt: null, errorCode: j.errorCode ?? "LEASE_LOST", errorMessage: j.errorMessage ?? "The node stopped renewing its lease" }
        : { status: "QUEUED", nodeId: null, leaseExpiresAt: null, runAfter: now },
    });
    await tx.jobEvent.create({ data: { jobId: j.id, nodeId: j.nodeId, attempt: j.attempt, type: exhausted ? "failed" : "lease_expired", data: { reason: "lease expired" } } });
  }
  return expired.length;
}

async function loadFleet(tx: Prisma.TransactionClient): Promise<TPlacementNode[]> {
  const [fleet, nodes, inFlight] = await Promise.all([
    tx.fleetSettings.findUnique({ where: { id: 1 } }),
    tx.node.findMany({ select: { id: true, name: true, provider: true, model: true, status: true, drained: true, maxConcurrent: true, totalMiB: true, usedMiB: true, settingsOverride: true } }),
    tx.job.findMany({ where: { status: { in: ["PLACED", "RUNNING"] }, nodeId: { not: null } }, select: { nodeId: true, predictedPeakMiB: true } }),
  ]);
  return nodes.map((n) => {
    const thresholds = effectiveThresholds(fleet, n.settingsOverride);
    return {
      id: n.id,
      name: n.name,
      predictionKey: predictionKey(n.model, n.provider),
      online: n.status === "ONLINE",
      drained: n.drained,
      maxConcurrent: n.maxConcurrent,
      // The node reports a budgeted total, but only from its next heartbeat on: a budget saved a moment
      // ago binds placement now (runs x4c and h1s placed on the whole card for up to 3.3 s).
      totalMiB: budgetedTotalMiB(n.totalMiB, thresholds.memoryBudgetMiB),
      usedMiB: n.usedMiB,
      inFlightPeaksMiB: inFlight.filter((j) => j.nodeId === n.id).map((j) => j.predictedPeakMiB ?? 0),
      thresholds,
    };
  });
}

/** For each retried job, the nodes where an attempt of it failed or lost its lease. */
async function nodesThatFailed(tx: Prisma.TransactionClient, jobIds: string[]): Promise<Map<string, string[]>> {
  const byJob = new Map<string, string[]>();
  if (jobIds.length === 0) return byJob;
  const events = await tx.jobEvent.findMany({ where: { jobId: { in: jobIds }, type: { in: ["retried", "lease_expired"] }, nodeId: { not: null } }, select: { jobId: true, nodeId: true } });
  for (const e of events) byJob.set(e.jobId, [...(byJob.get(e.jobId) ?? []), e.nodeId!]);
  return byJob;
}

async function placeQueued(tx: Prisma.TransactionClient, now: Date, batchSize: number, models: Map<string, TPeakModel>): Promise<{ placed: number; unschedulable: number }> {
  const queued = await tx.job.findMany({
    where: { status: "QUEUED", runAfter: { lte: now } },
    orderBy: [{ priority: "desc" }, { createdAt: "asc" }],
    take: batchSize,
    select: { id: true, attempt: true, widthPx: true, heightPx: true, pages: true, unschedulableReason: true, headroomNeededMiB: true },
  });
  if (queued.length === 0) return { placed: 0, unschedulable: 0 };
  const fleet = await loadFleet(tx);
  const failedOn = await nodesThatFailed(tx, queued.filter((j) => j.attempt > 0).map((j) => j.id));
  let placed = 0;
  let unschedulable = 0;
  const placedOn: string[] = [];
  for (const job of queued) {
    const peakMiBByKey = Object.fromEntries([...models].map(([key, m]) => [key, predictPeakMiB(job, m)]));
    const decision = placeJob(fleet, { id: job.id, predictedPeakMiB: predictPeakMiB(job), peakMiBByKey, avoidNodeIds: failedOn.get(job.id) });
    const predictedPeakMiB = decision.predictedPeakMiB;
    if (!decision.ok) {
      unschedulable++;
      const { reason, headroomNeededMiB } = decision;
      if (job.unschedulableReason !== reason || job.headroomNeededMiB !== headroomNeededMiB) {
        await tx.job.update({ where: { id: job.id }, data: { unschedulableReason: reason, headroomNeededMiB, predictedPeakMiB } });
      }
      continue;
    }
    const model = models.get(fleet.find((n) => n.id === decision.nodeId)?.predictionKey ?? "");
    const prediction = model ? { source: "history", n: model.n, baseMiB: Math.round(model.baseMiB), mibPerMegapixel: Math.round(model.mibPerMegapixel * 10) / 10 } : { source: "prior" };
    const placement = { reason: "most headroom after placement", predictedPeakMiB, prediction, chosen: decision.chosen, ...summarizeCandidates(decision.candidates) };
    await tx.job.update({
      where: { id: job.id },
      data: { status: "PLACED", nodeId: decision.nodeId, placedAt: now, predictedPeakMiB, unschedulableReason: null, headroomNeededMiB: null, placement: placement as Prisma.InputJsonValue },
    });
    await tx.jobEvent.create({ data: { jobId: job.id, nodeId: decision.nodeId, attempt: job.attempt, type: "placed", data: placement as Prisma.InputJsonValue } });
    fleet.find((n) => n.id === decision.nodeId)?.inFlightPeaksMiB.push(predictedPeakMiB);
    placedOn.push(decision.nodeId);
    placed++;
  }
  await notifyPlaced(tx, placedOn);
  return { placed, unschedulable };
}
