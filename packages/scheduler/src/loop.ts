// The scheduler process: ticks while there is work, idles gently when there is none.
import type { PrismaClient } from "@headroom/db";
import { schedulerTick, type TTickResult } from "./tick.ts";

export type TLoopOptions = { nodeOfflineMs: number; busyIntervalMs?: number; idleIntervalMs?: number; onTick?: (r: TTickResult) => void; onError?: (err: unknown) => void };

export function startSchedulerLoop(db: PrismaClient, opts: TLoopOptions): { stop(): Promise<void> } {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  const busy = opts.busyIntervalMs ?? 100;
  const idle = opts.idleIntervalMs ?? 250;

  const run = async () => {
    let next = idle;
    try {
      const r = await schedulerTick(db, { nodeOfflineMs: opts.nodeOfflineMs });
      opts.onTick?.(r);
      if (r.placed > 0) next = busy;
    } catch (err) {
      opts.onError?.(err);
      next = 1_000;
    }
    if (!stopped) timer = setTimeout(() => void (running = run()), next);
  };
  running = run();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
