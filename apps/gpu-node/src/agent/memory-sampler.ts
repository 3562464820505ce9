// In-flight memory sampling for one job, in the agent (never in the runner, which may be the thing
// that hangs or dies). Keeps before/peak/after for the job report and hands every sample on.
import type { TMemoryReading } from "@headroom/protocol";
import type { MemoryReader } from "../telemetry/index.ts";

export type TJobMemory = { beforeMiB: number; afterMiB: number; peakMiB: number };

export class MemorySampler {
  private peakMiB: number;
  private last: TMemoryReading;
  private timer: NodeJS.Timeout | null = null;
  private inFlight: Promise<void> | null = null;
  private stopped = false;

  constructor(
    private readonly reader: MemoryReader,
    readonly before: TMemoryReading,
    private readonly intervalMs: () => number,
    private readonly onSample: (r: TMemoryReading) => void,
  ) {
    this.peakMiB = before.usedMiB;
    this.last = before;
  }

  start(): this {
    this.schedule();
    return this;
  }

  /** Stop sampling, take the "after" reading, and return the job's memory figures. */
  async stop(): Promise<{ memory: TJobMemory; after: TMemoryReading }> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.inFlight;
    const after = await this.reader.read().catch(() => this.last);
    this.record(after);
    return { memory: { beforeMiB: this.before.usedMiB, afterMiB: after.usedMiB, peakMiB: this.peakMiB }, after };
  }

  private record(r: TMemoryReading): void {
    this.last = r;
    this.peakMiB = Math.max(this.peakMiB, r.usedMiB);
    this.onSample(r);
  }

  // setTimeout after each reading rather than setInterval: a slow nvidia-smi must not pile up
  // calls. The reading's own duration counts toward the interval, so samples stay intervalMs apart.
  private schedule(lastStartedAt = performance.now()): void {
    if (this.stopped) return;
    const delayMs = Math.max(0, this.intervalMs() - (performance.now() - lastStartedAt));
    this.timer = setTimeout(() => {
      const startedAt = performance.now();
      this.inFlight = this.reader
        .read()
        .then(
          (r) => {
            if (!this.stopped) this.record(r);
          },
          () => {}, // one missed sample is not worth failing a job over
        )
        .finally(() => this.schedule(startedAt));
    }, delayMs);
  }
}
