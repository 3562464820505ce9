// Node transitions: registration, heartbeats and the events an agent sends, and an admin's drain.
// Each one that leaves every runner freshly loaded also moves the node's fresh-runner baseline
// (freshUsedMiB, read by reclaim.ts): registration's reading, or the reading after a cleanup or
// sweep. An agent with several runner slots marks a recycle of one slot beside grown ones
// `allFresh: false`: that reading still holds the other runners' growth, so it is no baseline.
// Events without the mark count.
import { COMMIT_WITHOUT_FLUSH, Prisma, sqlRows, type Db, type PrismaClient } from "@headroom/db";
import { AppError, type THeartbeatRequest, type TNodeEventsRequest, type TRegisterRequest } from "@headroom/protocol";
import { notifyQueueChanged } from "../notify.ts";
import { leaseRenewal } from "./lifecycle.ts";
import { samplesInsert, sampleTime } from "./samples.ts";
import { settingsColumns, settingsFrom, type TNodeSettings, type TSettingsRows } from "./node-settings.ts";

/** Registers a node, or re-registers one by name with a new token hash (the old token stops working). */
export async function recordRegistration(db: PrismaClient, req: TRegisterRequest, tokenHash: string): Promise<{ nodeId: string }> {
  const now = new Date();
  const fields = {
    hostname: req.hostname,
    kind: req.kind,
    gpuIndex: req.gpuIndex,
    gpuName: req.gpuName,
    provider: req.provider,
    model: req.model ?? null,
    providerNotes: req.providerNotes as Prisma.InputJsonValue,
    agentVersion: req.agentVersion,
    tokenHash,
    status: "ONLINE" as const,
    lastHeartbeatAt: now,
    totalMiB: req.memory.totalMiB,
    usedMiB: req.memory.usedMiB,
    freeMiB: req.memory.freeMiB,
    processMiB: req.memory.processMiB,
    utilPct: req.memory.utilPct,
    memorySource: req.memory.source,
    // An agent registers with its runners just loaded.
    freshUsedMiB: req.memory.usedMiB,
    freshUsedAt: now,
    // Placement never puts more jobs in flight on a node than it runs at once; older agents run one.
    maxConcurrent: req.maxConcurrent ?? 1,
  };
  return db.$transaction(async (tx) => {
    await tx.fleetSettings.upsert({ where: { id: 1 }, create: { id: 1 }, update: {} });
    const n = await tx.node.upsert({ where: { name: req.name }, create: { name: req.name, ...fields }, update: fields, select: { id: true } });
    await tx.nodeEvent.create({
      data: {
        nodeId: n.id,
        type: "registered",
        createdAt: now,
        beforeMiB: req.memory.usedMiB,
        data: { provider: req.provider, providerNotes: req.providerNotes, agentVersion: req.agentVersion } as Prisma.InputJsonValue,
      },
    });
    return { nodeId: n.id };
  });
}

export type TRecordedHeartbeat = {
  drained: boolean;
  settings: TNodeSettings;
  /** The reading was also kept as a memory sample (`sampleAt`). */
  sampleStored: boolean;
  /** Jobs the agent named that this node no longer holds: their leases were not renewed. */
  revokedJobs: string[];
  /** From an idle agent's heartbeat only: the largest headroom a queued job waits for, null when none waits. */
  mostNeededMiB: number | null;
};

/**
 * Stores a heartbeat's live reading; a node that was offline comes back online. Renews the leases of
 * the jobs the agent still runs, keeps an idle agent's reading as a memory sample (`sampleAt`), and
 * for an idle agent reads the largest need among the queued jobs waiting for headroom (reclaim.ts
 * looks further only when this node could not meet it).
 *
 * One statement, because every node sends this every 2 s and its round trips are a fleet's steady
 * cost: the update returns what the node's row held before it (status, drained, the settings version
 * applied), read under the update's own row lock, and the node's settings rows beside it; the sample
 * and the lease renewal are CTEs of it. The sample's CTE finds the node's row, so an unknown node
 * stores nothing; a renewal names the node, so it touches no other node's job. It commits without
 * waiting for the WAL flush (COMMIT_WITHOUT_FLUSH): all it writes, the next heartbeat writes again
 * 2 s later, and a node coming back online is recorded by the durable "online" event below. A
 * client, not a transaction: inside one, the setting would reach the transaction's other writes.
 */
export async function recordHeartbeat(db: PrismaClient, nodeId: string, hb: THeartbeatRequest, leaseMs: number, now: Date = new Date()): Promise<TRecordedHeartbeat> {
  const m = hb.memory;
  const sample = hb.sampleAt === undefined ? [] : [{ at: sampleTime(hb.sampleAt, "sampleAt"), usedMiB: m.usedMiB, totalMiB: m.totalMiB, processMiB: m.processMiB, utilPct: m.utilPct, jobId: null }];
  const idle = hb.activeJobs.length === 0;
  const rows = await sqlRows<({ status: string; drained: boolean; appliedSettingsVersion: number | null; sampled: number; renewed: string[]; mostNeededMiB: number | null } & TSettingsRows)>(db, Prisma.sql`
    WITH sample AS (${samplesInsert(nodeId, sample, Prisma.sql`EXISTS (SELECT 1 FROM "Node" WHERE id = ${nodeId}::uuid)`)} RETURNING 1),
    renewed AS (${leaseRenewal(nodeId, hb.activeJobs, new Date(now.getTime() + leaseMs))})
    UPDATE "Node" n SET
      status = 'ONLINE', "lastHeartbeatAt" = ${now},
      "usedMiB" = ${m.usedMiB}, "totalMiB" = ${m.totalMiB}, "freeMiB" = ${m.freeMiB}, "processMiB" = ${m.processMiB},
      "utilPct" = ${m.utilPct}, "memorySource" = ${m.source}, "appliedSettingsVersion" = ${hb.appliedSettingsVersion}
    FROM (SELECT id, status, drained, "appliedSettingsVersion" FROM "Node" WHERE id = ${nodeId}::uuid FOR NO KEY UPDATE) AS before
    WHERE n.id = before.id
    RETURNING before.status::text AS status, before.drained, before."appliedSettingsVersion", (SELECT count(*) FROM sample)::int AS sampled,
      ARRAY(SELECT id::text FROM renewed) AS renewed,
      ${idle ? Prisma.sql`(SELECT max("headroomNeededMiB") FROM "Job" WHERE status = 'QUEUED' AND "runAfter" <= ${now} AND "headroomNeededMiB" IS NOT NULL)` : Prisma.sql`NULL::int`} AS "mostNeededMiB",
      ${settingsColumns(Prisma.sql`n.id`)}, ${COMMIT_WITHOUT_FLUSH}`);
  const before = rows[0];
  if (!before) throw new AppError("NOT_FOUND", `No node ${nodeId}`);
  if (before.status === "OFFLINE") await db.nodeEvent.create({ data: { nodeId, type: "online", beforeMiB: m.usedMiB } });
  if (hb.appliedSettingsVersion !== null && hb.appliedSettingsVersion !== before.appliedSettingsVersion) {
    await db.nodeEvent.create({ data: { nodeId, type: "settings_applied", data: { version: hb.appliedSettingsVersion } } });
  }
  const renewed = new Set(before.renewed);
  return {
    drained: before.drained,
    settings: settingsFrom(before),
    sampleStored: before.sampled > 0,
    revokedJobs: hb.activeJobs.map((a) => a.jobId).filter((id) => !renewed.has(id)),
    mostNeededMiB: before.mostNeededMiB,
  };
}

type TReportedEvent = TNodeEventsRequest["events"][number];

/** The batch's latest event that left every runner fresh, if any: a cleanup or sweep not marked allFresh: false. */
export function latestFreshEvent(events: readonly TReportedEvent[]): TReportedEvent | null {
  let latest: TReportedEvent | null = null;
  for (const e of events) {
    if (e.type !== "cleanup" && e.type !== "sweep") continue;
    if ((e.data as { allFresh?: unknown } | null | undefined)?.allFresh === false) continue;
    if (!latest || Date.parse(e.at) >= Date.parse(latest.at)) latest = e;
  }
  return latest;
}

/** Stores the events an agent sends (cleanups with the MiB they gave back, sweeps, restarts, …) and moves the baseline. */
export async function storeNodeEvents(db: PrismaClient, nodeId: string, req: TNodeEventsRequest): Promise<number> {
  const insert = db.nodeEvent.createMany({
    data: req.events.map((e) => ({
      nodeId,
      type: e.type,
      createdAt: new Date(e.at),
      beforeMiB: e.beforeMiB,
      afterMiB: e.afterMiB,
      freedMiB: e.beforeMiB !== null && e.afterMiB !== null ? e.beforeMiB - e.afterMiB : null,
      data: (e.data ?? undefined) as Prisma.InputJsonValue | undefined,
    })),
  });
  const fresh = latestFreshEvent(req.events);
  if (!fresh) return (await insert).count;
  const at = new Date(fresh.at);
  // Events may arrive late (an agent's outbox retries): an older reading never replaces a newer one.
  const [{ count }] = await db.$transaction([
    insert,
    db.node.updateMany({ where: { id: nodeId, OR: [{ freshUsedAt: null }, { freshUsedAt: { lte: at } }] }, data: { freshUsedMiB: fresh.afterMiB, freshUsedAt: at } }),
  ]);
  return count;
}

/** Drain stops new placements on a node (its running job finishes); jobs placed but not claimed go back to the queue. */
export async function setNodeDrained(db: PrismaClient, nodeId: string, drained: boolean, by: string): Promise<{ requeued: number }> {
  return db.$transaction(async (tx) => {
    const node = await tx.node.findUnique({ where: { id: nodeId }, select: { drained: true } });
    if (!node) throw new AppError("NOT_FOUND", `No node ${nodeId}`);
    await tx.node.update({ where: { id: nodeId }, data: { drained } });
    let requeued = 0;
    if (drained) {
      const placed = await tx.job.findMany({ where: { nodeId, status: "PLACED" }, select: { id: true, attempt: true } });
      for (const j of placed) {
        await tx.job.update({ where: { id: j.id }, data: { status: "QUEUED", nodeId: null } });
        await tx.jobEvent.create({ data: { jobId: j.id, nodeId, attempt: j.attempt, type: "unplaced", data: { reason: "node drained" } } });
      }
      requeued = placed.length;
      if (requeued > 0) await notifyQueueChanged(tx);
    }
    if (node.drained !== drained) await tx.nodeEvent.create({ data: { nodeId, type: drained ? "drained" : "undrained", data: { by, requeued } } });
    return { requeued };
  });
}
