// Calls whose loss would cost the job an attempt: fetching its file, and reporting that it started,
// finished, failed or was refused. A control plane that is restarting (a replica killed, Postgres
// failing over) answers nothing or 5xx for a few seconds; heartbeats keep renewing the job's lease
// meanwhile, so trying again keeps the attempt and the work already done. Before this, a result
// that met such a moment was dropped, the lease ran out, and the job ran again: three such moments
// and it failed LEASE_LOST having succeeded three times (docs/reliability.md, 2026-12-07).
import type { Logger } from "pino";
import { Backoff, sleep } from "../backoff.ts";
import { ControlError, ControlUnreachableError } from "../control-client.ts";

/** How long one call is retried before the agent gives up on it (the lease decides what happens next). */
export const DELIVER_GIVE_UP_MS = 5 * 60_000;

/** No answer, a 5xx, a timeout or a throttle: the same request may well succeed in a moment. */
export function isTransient(err: unknown): boolean {
  if (err instanceof ControlUnreachableError) return true;
  return err instanceof ControlError && (err.status >= 500 || err.status === 408 || err.status === 429);
}

export type TDeliverOptions = {
  /** True once retrying is pointless (the job was revoked, or the agent is stopping); the last error is then thrown. */
  stopped: () => boolean;
  /** Cuts a wait between tries short when it aborts. */
  signal?: AbortSignal;
  log: Logger;
  /** What is being sent, for the log ("complete", "file"). */
  what: string;
  giveUpAfterMs?: number;
  backoff?: Backoff;
};

/** Runs `call` until it succeeds, fails for a reason that retrying cannot mend, or the options say stop. */
export async function deliver<T>(call: () => Promise<T>, o: TDeliverOptions): Promise<T> {
  const backoff = o.backoff ?? new Backoff(250, 5_000);
  const giveUpAt = Date.now() + (o.giveUpAfterMs ?? DELIVER_GIVE_UP_MS);
  for (let tries = 1; ; tries++) {
    try {
      const out = await call();
      if (tries > 1) o.log.info({ what: o.what, tries }, "delivered after the control plane came back");
      return out;
    } catch (err) {
      if (!isTransient(err) || o.stopped() || Date.now() >= giveUpAt) throw err;
      const delayMs = backoff.nextDelayMs();
      o.log.warn({ what: o.what, tries, retryInMs: delayMs, err: (err as Error).message }, "control plane unavailable; trying again");
      // A signal that has already fired (a job aborted for the cap, still reporting its failure) would end every wait at once.
      await sleep(delayMs, o.signal?.aborted ? undefined : o.signal);
      if (o.stopped()) throw err;
    }
  }
}
