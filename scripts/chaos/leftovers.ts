// Files the end-of-run check found in the upload directory with no job (a stored upload, or a
// half-written .tmp), split into those a replica killed mid-upload explains and the rest. A
// `kill -9` of a control-plane replica between storing an upload and committing its job row leaves
// the file; the client's retry with the same idempotency key gets its job on the other replica, so
// nothing is lost, but the file stays (the disk store sweeps only old .tmp files). That leak is known
// (docs/reliability.md) and reported, not failed; a leftover written when no replica was killed
// soon after is something else and still fails the run. Pure: names, times in, split out.

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
