// One scheduling pass: sweep what expired, then place queued jobs by measured headroom.
// Several control-plane replicas may run this loop; a transaction-scoped advisory lock lets one
// of them place at a time, so two replicas never hand the same headroom to two jobs. The lock is
// held from reading the fleet to the last write, because a replica that read the fleet before
// another one committed would hand out headroom that is already reserved; what keeps the
// transaction short instead is the work inside it: two reads (the batch and the fleet, each one JSON
// text), in-memory decisions from the headroom-ordered index (fleet-index.ts, microseconds each), and
// the placements written in chunks while the rest are decided, each chunk split by node over several
// connections so that several Postgres backends write at once (placement-writes.ts). The sweeps
// commit before, in a transaction of their own. The writes are conditional, so a job canceled,
// drained or requeued by someone else between the read and the write is skipped, never placed over.
import type { Prisma, PrismaClient } from "@headroom/db";
import { DEFAULT_HOLD_POLICY, type THoldPolicy } from "./head-of-line.ts";
import { PeakModelCache } from "./history.ts";
import { notifyPlaced, wakeAfterCommit } from "./notify.ts";
import { planPlacements, type TPlannedPlacement } from "./plan.ts";
import { writePlacementsSplit, writeWaiting } from "./placement-writes.ts";

const SCHEDULER_LOCK_KEY = 0x4e4144; // arbitrary, fixed: "HEAD"room's placement lock

/**
 * `sweep: false` skips the offline and lease sweeps: each reads every online node and every running
 * job, so the loop runs them at most once a second (loop.ts) while placement may tick ten times.
 */
export type TTickOptions = {
  nodeOfflineMs: number;
  batchSize?: number;
  now?: Date;
  peakModels?: PeakModelCache;
  sweep?: boolean;
  writeWays?: number;
  /** Head-of-line hold (head-of-line.ts): DEFAULT_HOLD_POLICY when absent, null for none. */
  hold?: THoldPolicy | null;
};

const defaultPeakModels = new PeakModelCache();
/** `skipped`: decided but not written, because the job or its node changed after the tick read them. */
export type TTickResult = { locked: boolean; placed: number; skipped: number; unschedulable: number; expired: number; offline: number };

/**
 * Jobs looked at per tick. With the write split over backends and overlapped with deciding, a tick's
 * fixed costs (the fleet read above all: ~30 ms at 10,000 nodes) are what a small batch repeats: on
 * the shared 2-core machine (load 6-14), batch 1,000 placed 2,891 jobs/s at 1,000 nodes (tick p99
 * 443 ms) and 1,177/s at 10,000 nodes (p99 1.4 s), batch 250 844/s and 487/s at 10,000 nodes. A
 * tick only looks at what is queued, so a small queue still gets a short tick.
 */
export const DEFAULT_BATCH_SIZE = 1_000;

/**
 * Statements the batch's placements are split into, run side by side (placement-writes.ts
 * `writePlacementsSplit`): one statement keeps one Postgres core busy. The client's pool must have
 * more connections than this (the tick's own transaction holds one); pg's default pool has 10.
 */
export const DEFAULT_WRITE_WAYS = 4;

const NOT_LOCKED: TTickResult = { locked: false, placed: 0, skipped: 0, unschedulable: 0, expired: 0, offline: 0 };

async function tryLock(tx: Prisma.TransactionClient): Promise<boolean> {
  const [lock] = await tx.$queryRaw<{ ok: boolean }[]>`SELECT pg_try_advisory_xact_lock(${SCHEDULER_LOCK_KEY}) AS ok`;
  return lock?.ok === true;
}

export async function schedulerTick(db: PrismaClient, opts: TTickOptions): Promise<TTickResult> {
  const now = opts.now ?? new Date();
  let swept = { offline: 0, expired: 0 };
  // The sweeps commit in a transaction of their own, before placement: the placement writes run on
  // the pool's other connections (writePlacementsSplit), which must see the jobs a sweep requeued, and
  // would wait for ever on rows the placement transaction itself had locked.
  if (opts.sweep ?? true) {
    const result = await db.$transaction(
      async (tx) => ((await tryLock(tx)) ? { offline: await markOfflineNodes(tx, new Date(now.getTime() - opts.nodeOfflineMs)), expired: await sweepExpiredLeases(tx, now) } : null),
      { timeout: 20_000 },
    );
    if (!result) return NOT_LOCKED;
    swept = result;
  }
  const { result, placedOnNodes } = await db.$transaction(
    async (tx) => {
      if (!(await tryLock(tx))) return { result: { ...NOT_LOCKED, ...swept }, placedOnNodes: [] };
      const models = await (opts.peakModels ?? defaultPeakModels).get(tx, now.getTime());
      // Each chunk of decisions is written while the next is decided, split over the pool's other
      // connections while this transaction keeps the lock (writePlacementsSplit). A write that fails is
      // reported by Promise.all below; the catch only keeps it from counting as unhandled meanwhile.
      const writes: Promise<{ jobId: string; nodeId: string }[]>[] = [];
      const write = (chunk: TPlannedPlacement[]) => {
        const w = writePlacementsSplit(db, chunk, now, opts.writeWays ?? DEFAULT_WRITE_WAYS, tx);
        w.catch(() => {});
        writes.push(w);
      };
      const plan = await planPlacements(tx, now, opts.batchSize ?? DEFAULT_BATCH_SIZE, models, opts.hold === undefined ? DEFAULT_HOLD_POLICY : opts.hold, write);
      const placedOn = (await Promise.all(writes)).flat();
      await writeWaiting(tx, plan.waiting);
      return {
        result: { locked: true, placed: placedOn.length, skipped: plan.placements.length - placedOn.length, unschedulable: plan.unschedulable, ...swept },
        placedOnNodes: placedOn.map((p) => p.nodeId),
      };
    },
    { timeout: 20_000 },
  );
  await wakeAfterCommit(db, (client) => notifyPlaced(client, placedOnNodes));
  return result;
}

async function markOfflineNodes(tx: Prisma.TransactionClient, silentSince: Date): Promise<number> {
  const lost = await tx.node.findMany({ where: { status: "ONLINE", OR: [{ lastHeartbeatAt: { lt: silentSince } }, { lastHeartbeatAt: null }] }, select: { id: true } });
  for (const n of lost) {
    await tx.node.update({ where: { id: n.id }, data: { status: "OFFLINE" } });
    await tx.nodeEvent.create({ data: { nodeId: n.id, type: "offline", data: { reason: "missed heartbeats" } } });
    // Placed but not yet claimed: no attempt was used, so they simply go back to the queue.
    const placed = await tx.job.findMany({ where: { nodeId: n.id, status: "PLACED" }, select: { id: true, attempt: true } });
    for (const j of placed) {
      // Conditional for the same reason as the lease sweep: a claim that committed after the read stays claimed.
      const { count } = await tx.job.updateMany({ where: { id: j.id, status: "PLACED", nodeId: n.id }, data: { status: "QUEUED", nodeId: null } });
      if (count === 0) continue;
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
  let swept = 0;
  for (const j of expired) {
    const exhausted = j.attempt >= j.maxAttempts;
    // Conditional on what was read: the read above takes no lock, so a completion or a lease renewal
    // may commit between it and this write, and an update by id alone then turned a SUCCEEDED job back
    // into QUEUED, to be run and completed again (issue 13's campaign: a replica kill delayed a
    // completion to the lease's last moment). Postgres re-checks this WHERE on the row as committed.
    const { count } = await tx.job.updateMany({
      where: { id: j.id, status: "RUNNING", attempt: j.attempt, leaseExpiresAt: { lt: now } },
      data: exhausted
        ? { status: "FAILED", finishedAt: now, leaseExpiresAt: null, errorCode: j.errorCode ?? "LEASE_LOST", errorMessage: j.errorMessage ?? "The node stopped renewing its lease" }
        : { status: "QUEUED", nodeId: null, leaseExpiresAt: null, runAfter: now },
    });
    if (count === 0) continue;
    swept++;
    await tx.jobEvent.create({ data: { jobId: j.id, nodeId: j.nodeId, attempt: j.attempt, type: exhausted ? "failed" : "lease_expired", data: { reason: "lease expired" } } });
  }
  return swept;
}

