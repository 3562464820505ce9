// Queue wake-ups over Postgres NOTIFY. The hot paths (a submission, an agent's report, a tick's
// placements) send theirs after the writing transaction has committed, on their own (wakeAfterCommit):
// a transaction that NOTIFYs holds a database-wide lock from its pre-commit to its end, so notifying
// commits flush one at a time. bench/notify-commit.ts, 16 clients writing one row each: 282 and 229
// transactions/s with the NOTIFY inside, 730 and 772 with it after the commit (2-core machine, two
// rounds). A woken reader can still see the change, since it has committed.
import { Prisma, sqlCount, type Db, type PrismaClient } from "@headroom/db";

/** Jobs became placeable (submitted, retried, refused, requeued): the scheduler should tick. */
export const QUEUE_CHANNEL = "headroom_queue";
/** A job was placed on the node named in the payload: its claim long-poll should look now. */
export const PLACED_CHANNEL = "headroom_placed";

export async function notifyQueueChanged(db: Db): Promise<void> {
  await sqlCount(db, Prisma.sql`SELECT pg_notify(${QUEUE_CHANNEL}, '')`);
}

/** One statement for the whole batch: a tick may place on a thousand nodes at once. */
export async function notifyPlaced(db: Db, nodeIds: Iterable<string>): Promise<void> {
  const ids = [...new Set(nodeIds)];
  if (ids.length === 0) return;
  await sqlCount(db, Prisma.sql`SELECT pg_notify(${PLACED_CHANNEL}, id) FROM unnest(${ids}::text[]) AS id`);
}

/**
 * A wake-up after the commit, best effort: one lost to a crash or an error between the commit and the
 * NOTIFY costs a scheduler tick (its 100-250 ms timer) or a claim long-poll's fallback poll, never a
 * job, and must not turn a committed change into an error for the caller.
 */
export async function wakeAfterCommit(db: PrismaClient, send: (db: PrismaClient) => Promise<void>): Promise<void> {
  await send(db).catch(() => undefined);
}

type TQueueWaker = { sending?: Promise<void>; next?: Promise<void> };
const queueWakers = new WeakMap<PrismaClient, TQueueWaker>();

/**
 * The queue's wake-up after a commit, shared by whatever commits at the same time on this client
 * (uploads, completions, refusals): one NOTIFY at a time, and at most one more waiting behind it for
 * every caller that arrives meanwhile. The one on its way may have left before such a caller's
 * commit, so the caller waits for the next one, which starts after it. At 1,000 jobs a second a
 * replica sent two NOTIFYs a job (the upload's and the completion's); the scheduler needs one a tick.
 */
export function wakeQueueAfterCommit(db: PrismaClient): Promise<void> {
  const w = queueWakers.get(db) ?? {};
  queueWakers.set(db, w);
  const send = (): Promise<void> => {
    const sending: Promise<void> = wakeAfterCommit(db, notifyQueueChanged).finally(() => {
      if (w.sending === sending) w.sending = undefined;
    });
    return (w.sending = sending);
  };
  if (!w.sending) return send();
  w.next ??= w.sending.then(() => {
    w.next = undefined;
    return send();
  });
  return w.next;
}
