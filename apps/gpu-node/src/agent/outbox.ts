// Node events and memory samples are sent in batches, and kept (up to a bound) while the control
// plane is unreachable, so a restart of the control plane loses no cleanup record.
import type { TMemoryReading, TMemorySample, TNodeEventsRequest } from "@headroom/protocol";
import type { Logger } from "pino";
import type { ControlClient } from "../control-client.ts";

export type TNodeEvent = TNodeEventsRequest["events"][number];

// The protocol's per-request maxima.
const SAMPLES_PER_POST = 5000;
const EVENTS_PER_POST = 1000;
// About 1 h of idle samples at one per 2 s heartbeat, or 5 min of in-flight sampling at 4/s.
const MAX_BUFFERED_SAMPLES = 20_000;
const MAX_BUFFERED_EVENTS = 5_000;

export class Outbox {
  private samples: TMemorySample[] = [];
  private events: TNodeEvent[] = [];
  private flushing: Promise<void> | null = null;
  private droppedSamples = 0;

  constructor(
    private readonly client: Pick<ControlClient, "samples" | "events">,
    private readonly log: Logger,
  ) {}

  sample(r: TMemoryReading, jobId: string | null, at = new Date()): void {
    this.samples.push({ at: at.toISOString(), usedMiB: r.usedMiB, totalMiB: r.totalMiB, processMiB: r.processMiB, utilPct: r.utilPct, jobId });
    if (this.samples.length > MAX_BUFFERED_SAMPLES) {
      // Samples are history; the oldest matter least. Events are never dropped silently.
      this.droppedSamples += this.samples.length - MAX_BUFFERED_SAMPLES;
      this.samples.splice(0, this.samples.length - MAX_BUFFERED_SAMPLES);
    }
  }

  event(type: string, o: { beforeMiB?: number | null; afterMiB?: number | null; data?: Record<string, unknown> | null } = {}): void {
    this.events.push({ type, at: new Date().toISOString(), beforeMiB: o.beforeMiB ?? null, afterMiB: o.afterMiB ?? null, data: o.data ?? null });
    if (this.events.length > MAX_BUFFERED_EVENTS) {
      const dropped = this.events.splice(0, this.events.length - MAX_BUFFERED_EVENTS);
      this.log.error({ dropped: dropped.length }, "node events dropped: control plane unreachable too long");
    }
  }

  get pending(): { samples: number; events: number } {
    return { samples: this.samples.length, events: this.events.length };
  }

  /**
   * Every sample held, handed to a request that carries them (a completion); `putBack` what it did
   * not deliver. A flush in progress keeps the batch it took, so none is sent twice.
   */
  takeSamples(): TMemorySample[] {
    return this.samples.splice(0, SAMPLES_PER_POST);
  }

  /** Samples a carrying request did not deliver, to go with the next flush. */
  putBack(samples: readonly TMemorySample[]): void {
    if (samples.length > 0) this.samples.unshift(...samples);
  }

  /** Sends what is buffered; on failure keeps it for the next flush. Concurrent calls share one flush. */
  flush(): Promise<void> {
    this.flushing ??= this.doFlush().finally(() => (this.flushing = null));
    return this.flushing;
  }

  private async doFlush(): Promise<void> {
    try {
      while (this.events.length > 0) {
        const batch = this.events.slice(0, EVENTS_PER_POST);
        await this.client.events({ events: batch });
        this.events.splice(0, batch.length);
      }
      while (this.samples.length > 0) {
        // Taken out while in flight (takeSamples may run meanwhile), put back if it fails.
        const batch = this.samples.splice(0, SAMPLES_PER_POST);
        await this.client.samples({ samples: batch }).catch((err: unknown) => {
          this.putBack(batch);
          throw err;
        });
      }
      if (this.droppedSamples > 0) {
        this.log.warn({ droppedSamples: this.droppedSamples }, "memory samples dropped while the control plane was unreachable");
        this.droppedSamples = 0;
      }
    } catch (err) {
      this.log.debug({ err, pending: this.pending }, "outbox flush failed; will retry");
    }
  }
}
