// Files the end-of-run check found in the upload directory with no job (a stored upload, or a
// half-written .tmp), split into those a replica killed mid-upload explains and the rest. A
// `kill -9` of a control-plane replica between storing an upload and committing its job row leaves
// the file; the client's retry with the same idempotency key gets its job on the other replica, so
// nothing is lost. Retention's orphan sweep (apps/web/src/server/retention/orphans.ts) removes such
// files after its grace, and chaos.ts runs it with no grace once the replicas are stopped, then
// requires an empty upload directory. A leftover written when no replica was killed soon after is
// not what the sweep is for (an upload path that forgot to clean up) and still fails the run, swept
// or not. Pure: names, times in, split out.

export type TLeftover = { name: string; mtimeMs: number };

/** How long before a replica's kill a file it was storing may have been written: uploads are small, the machine may be loaded. */
export const KILL_WINDOW_MS = 30_000;

export function explainLeftovers(leftovers: readonly TLeftover[], replicaKillsAtMs: readonly number[], windowMs = KILL_WINDOW_MS): { byReplicaKill: TLeftover[]; unexplained: TLeftover[] } {
  const byReplicaKill: TLeftover[] = [];
  const unexplained: TLeftover[] = [];
  for (const f of leftovers) {
    const killed = replicaKillsAtMs.some((at) => f.mtimeMs <= at + 1_000 && f.mtimeMs >= at - windowMs);
    (killed ? byReplicaKill : unexplained).push(f);
  }
  return { byReplicaKill, unexplained };
}
