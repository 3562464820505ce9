// The scheduler process: ticks while there is work, idles gently when there is none.
import type { PrismaClient } from "@headroom/db";
import type { PgListener } from "@headroom/db/listener";
import { QUEUE_CHANNEL } from "./notify.ts";
import { DEFAULT_BATCH_SIZE, schedulerTick, type TTickResult } from "./tick.ts";

export type TLoopOptions = {
  nodeOfflineMs: number;
  busyIntervalMs?: number;
  idleIntervalMs?: number;
  /** The offline and lease sweeps run at most this often (ms); placement ticks in between skip them. */
  sweepEveryMs?: number;
  /** Wakes the loop as soon as jobs are submitted or requeued, instead of at its next interval. */
  listener?: PgListener;
  onTick?: (r: TTickResult) => void;
  onError?: (err: unknown) => void;
};

export function startSchedulerLoop(db: PrismaClient, opts: TLoopOptions): { stop(): Promise<void> } {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<void> | null = null;
  let again = false;
  const busy = opts.busyIntervalMs ?? 100;
  const idle = opts.idleIntervalMs ?? 250;

  let sweptAt = -Infinity;
  const tick = async () => {
    let next = idle;
    try {
      // Leases last 30 s and nodes go offline after 15 s of silence: a sweep a second is plenty, and
      // the ticks between stay as cheap as their batch.
      const startedAt = Date.now();
      const sweep = startedAt - sweptAt >= (opts.sweepEveryMs ?? 1_000);
      const r = await schedulerTick(db, { nodeOfflineMs: opts.nodeOfflineMs, sweep });
      if (sweep && r.locked) sweptAt = startedAt;
      opts.onTick?.(r);
      if (r.placed > 0) next = busy;
      // A tick that placed half a batch or more probably left more queued: the next starts at once, not
      // after the busy interval, which would cap the loop below what a tick can place (a 1,000-job tick
      // takes ~0.3 s). One that placed less, or only found jobs that wait, keeps the interval.
      if (r.placed >= DEFAULT_BATCH_SIZE / 2) next = 0;
    } catch (err) {
      opts.onError?.(err);
      next = 1_000;
    }
    current = null;
    if (again) {
      again = false;
      next = 0;
    }
    if (!stopped) timer = setTimeout(run, next);
  };
  // A wake-up during a tick is remembered and runs right after it, never beside it.
  function run(): void {
    clearTimeout(timer);
    if (stopped) return;
    if (current) {
      again = true;
      return;
    }
    current = tick();
  }
  const unsubscribe = opts.listener?.on(QUEUE_CHANNEL, run);
  run();
  return {
    async stop() {
      stopped = true;
      unsubscribe?.();
      clearTimeout(timer);
      await current;
    },
  };
}
