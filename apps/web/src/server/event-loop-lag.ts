// How late this replica's event loop runs: the mean delay of a 20 ms timer over the last whole
// window. Uploads are the heavy requests; past a lag set by HEADROOM_UPLOAD_SHED_LAG_MS a replica
// refuses new ones at once (upload-admission.ts), so that a flood of uploads cannot hold up the
// agents' claims, heartbeats and completions behind it on the same loop.
import { monitorEventLoopDelay, type IntervalHistogram } from "node:perf_hooks";

/** Each figure covers at least this long, in ms: one slow tick is not overload, a second of them is. */
export const LAG_WINDOW_MS = 1_000;

export class EventLoopLag {
  private readonly histogram: IntervalHistogram = monitorEventLoopDelay({ resolution: 20 });
  private windowStartMs: number;
  private lastMeanMs = 0;

  constructor(nowMs = performance.now()) {
    this.histogram.enable();
    this.windowStartMs = nowMs;
  }

  /** The mean lag, in ms, of the last window to close; a window closes on the first call after it ends. */
  meanMs(nowMs = performance.now()): number {
    if (nowMs - this.windowStartMs >= LAG_WINDOW_MS) {
      // The histogram counts the timer's whole delay, its own 20 ms included.
      this.lastMeanMs = this.histogram.count > 0 ? Math.max(0, this.histogram.mean / 1e6 - 20) : 0;
      this.histogram.reset();
      this.windowStartMs = nowMs;
    }
    return this.lastMeanMs;
  }

  stop(): void {
    this.histogram.disable();
  }
}

let shared: EventLoopLag | null = null;
/** This process's monitor, started on first use (only replicas that shed uploads pay for its timer). */
export function eventLoopLag(): EventLoopLag {
  return (shared ??= new EventLoopLag());
}
