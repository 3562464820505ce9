// Queue wake-ups over Postgres NOTIFY. Sent inside the transaction that changes the rows, so they
// are delivered at commit, when a woken reader can already see the change.
import type { Db } from "@headroom/db";

/** Jobs became placeable (submitted, retried, refused, requeued): the scheduler should tick. */
export const QUEUE_CHANNEL = "headroom_queue";
/** A job was placed on the node named in the payload: its claim long-poll should look now. */
export const PLACED_CHANNEL = "headroom_placed";

export async function notifyQueueChanged(db: Db): Promise<void> {
  await db.$executeRaw`SELECT pg_notify(${QUEUE_CHANNEL}, '')`;
}

/** One statement for the whole batch: a tick may place on a thousand nodes at once. */
export async function notifyPlaced(db: Db, nodeIds: Iterable<string>): Promise<void> {
  const ids = [...new Set(nodeIds)];
  if (ids.length === 0) return;
  await db.$executeRaw`SELECT pg_notify(${PLACED_CHANNEL}, id) FROM unnest(${ids}::text[]) AS id`;
}
