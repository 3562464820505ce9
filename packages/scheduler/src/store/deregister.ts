// A node leaving on purpose (its agent got SIGTERM): it goes OFFLINE now rather than after the
// offline timeout, and what it still holds goes back to the queue at once rather than when a lease
// expires. Placed jobs never used an attempt; a running job handed back gets its attempt back, as a
// refusal does (refuseJob): stopping a pod is not the job's fault.
import type { PrismaClient } from "@headroom/db";
import { notifyQueueChanged } from "../notify.ts";

export async function deregisterNode(db: PrismaClient, nodeId: string): Promise<{ requeued: number }> {
  return db.$transaction(async (tx) => {
    await tx.node.update({ where: { id: nodeId }, data: { status: "OFFLINE" } });
    const held = await tx.job.findMany({ where: { nodeId, status: { in: ["PLACED", "RUNNING"] } }, select: { id: true, attempt: true, status: true } });
    for (const j of held) {
      const running = j.status === "RUNNING";
      await tx.job.update({
        where: { id: j.id },
        data: { status: "QUEUED", nodeId: null, leaseExpiresAt: null, runAfter: new Date(), ...(running && { attempt: { decrement: 1 } }) },
      });
      await tx.jobEvent.create({ data: { jobId: j.id, nodeId, attempt: j.attempt, type: running ? "handed_back" : "unplaced", data: { reason: "node deregistered" } } });
    }
    await tx.nodeEvent.create({ data: { nodeId, type: "deregistered", data: { requeued: held.length } } });
    if (held.length > 0) await notifyQueueChanged(tx);
    return { requeued: held.length };
  });
}
