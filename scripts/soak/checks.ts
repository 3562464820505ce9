// What a soak must show whatever its length: every process it started is still the one it started
// (none crashed or exited), every upload was accepted and its job succeeded, and nothing is left
// open once the load has drained. These are counts, not timings, so they hold on a loaded machine
// and judge a three-minute CI run as fairly as an hour. Pure: the caller reads the numbers.

export type TSoakOutcome = {
  /** Pid of each process by name (web0, scheduler0, chaos-cpu0, ...) when the load started and at its end; null when not running. */
  processesAtStart: Record<string, number | null>;
  processesAtEnd: Record<string, number | null>;
  uploads: number;
  gaveUp: number;
  succeeded: number;
  failedByCode: Record<string, number>;
  /** Jobs still queued, placed or running after the drain. */
  openAfterDrain: number;
  drainS: number;
};

/** Each problem in words; empty when the run held. */
export function soakFailures(o: TSoakOutcome): string[] {
  const out: string[] = [];
  for (const [name, pid] of Object.entries(o.processesAtStart)) {
    const end = o.processesAtEnd[name] ?? null;
    if (pid === null) out.push(`${name} was not running when the load started`);
    else if (end === null) out.push(`${name} (pid ${pid}) exited during the run`);
    else if (end !== pid) out.push(`${name} was restarted during the run (pid ${pid} -> ${end})`);
  }
  if (o.uploads === 0) out.push("no upload was offered");
  if (o.gaveUp > 0) out.push(`${o.gaveUp} of ${o.uploads} uploads were never accepted`);
  const failed = Object.entries(o.failedByCode).filter(([, n]) => n > 0);
  if (failed.length) out.push(`jobs failed: ${failed.map(([c, n]) => `${n} ${c}`).join(", ")}`);
  if (o.openAfterDrain > 0) out.push(`${o.openAfterDrain} jobs still open ${o.drainS} s after the load stopped`);
  if (o.succeeded === 0) out.push("no job succeeded");
  return out;
}
