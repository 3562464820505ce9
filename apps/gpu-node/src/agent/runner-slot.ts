// One runner slot of an agent: the job it runs (at most one) on a supervised runner child, and the
// per-runner state of the memory rules. An agent has HEADROOM_RUNNER_SLOTS runners (default 1), each
// shared by HEADROOM_RUNNER_JOBS slots (default 1): a multi-job runner keeps that many jobs in flight
// in one process, with one copy of the model (ocr/engine.ts).
//
// What is per slot and why (the rules' pure functions are unchanged; only their wiring is here):
// - the batch count: the batch rule bounds what one runner grows over consecutive images, so each
//   runner counts the images it ran since its own last recycle;
// - the last cleanup time: the sweep interval runs per runner, so a sweep never recycles a runner
//   that was fresh a moment ago because another one was not;
// - the cleanup in progress: a recycle ends only this slot's child; a job claimed on this slot waits
//   for it, the other runners' jobs carry on. The jobs already in flight on the same runner finish
//   first (the recycle drains it), so a recycle loses no job.
// All of this belongs to the runner, so slots that share one runner share it (RunnerShare).
// The memory reading stays the device's: every rule still decides on the whole card.
import type { TMemoryReading } from "@headroom/protocol";
import type { Logger } from "pino";
import { afterCleanup, NO_BATCH, type TBatchCount } from "../rules/memory-rules.ts";
import type { Runner } from "../runner/runner.ts";
import type { MemoryReader } from "../telemetry/index.ts";
import type { Outbox } from "./outbox.ts";

/** A job in flight on a slot. `running` once it was reported started (past fetch and admission). */
export type TSlotJob = { jobId: string; attempt: number; abort: AbortController; done: Promise<unknown>; running: boolean };

export type TRunnerSlotDeps = {
  memory: MemoryReader;
  outbox: Outbox;
  /** The agent's logger now (it gains the node id at registration). */
  log: () => Logger;
  stopping: AbortSignal;
  /** Every cleanup's after-reading becomes the agent's last reading (the sweep timer works on it). */
  onReading: (r: TMemoryReading) => void;
  /** Several slots: node events say which one (data.slot). One slot: events stay as they were. */
  tagEvents: boolean;
  /** Has every slot's runner run no job since it was loaded? (See `fresh`.) */
  allFresh: () => boolean;
};

/** One runner and the rules' state that goes with it, shared by the slots that run jobs on it. */
export class RunnerShare {
  readonly slots: RunnerSlot[] = [];
  cleaning: Promise<void> | null = null;
  /** Images of the current batch (a multi-page job, or consecutive jobs of one upload) this runner ran since its last cleanup. */
  batch: TBatchCount = NO_BATCH;
  lastCleanupAt = Date.now();
  /**
   * The runner has run no job since it was loaded. With several slots, a cleanup's after-reading is
   * the fresh-runner baseline that the control plane's reclaim measures growth from only when every
   * slot is fresh (`allFresh` in the event): a recycle of one slot beside grown ones is no baseline,
   * and taking it for one made a node under a tight budget look as if a recycle would free nothing,
   * so its queued jobs waited forever (run 13, docs/gpu-runs.md).
   */
  fresh = true;

  constructor(readonly runner: Runner) {}
}

export class RunnerSlot {
  current: TSlotJob | null = null;

  constructor(
    readonly index: number,
    readonly share: RunnerShare,
    private readonly deps: TRunnerSlotDeps,
  ) {
    share.slots.push(this);
  }

  get runner(): Runner {
    return this.share.runner;
  }
  get cleaning(): Promise<void> | null {
    return this.share.cleaning;
  }
  get batch(): TBatchCount {
    return this.share.batch;
  }
  set batch(b: TBatchCount) {
    this.share.batch = b;
  }
  get lastCleanupAt(): number {
    return this.share.lastCleanupAt;
  }
  get fresh(): boolean {
    return this.share.fresh;
  }
  set fresh(f: boolean) {
    this.share.fresh = f;
  }
  /** The first slot of its runner: the one that starts, stops, sweeps and reclaims it. */
  get leads(): boolean {
    return this.share.slots[0] === this;
  }
  /** Any job in flight on this slot's runner. */
  get runnerBusy(): boolean {
    return this.share.slots.some((s) => s.current !== null);
  }

  /** The slot's part of a node event's data: `{ slot }` when the agent has several, else nothing. */
  get tag(): { slot?: number } {
    return this.deps.tagEvents ? { slot: this.index } : {};
  }

  /**
   * Recycle this slot's runner (the only cleanup that really returns memory) and record what it gave
   * back. With other slots busy the before/after readings are the device's, so freedMiB also moves
   * with their jobs. The reading's processMiB is every slot's runners summed (agent.ts), so
   * processBefore/AfterMiB are that total before and after this slot's recycle, for every slot.
   */
  cleanup(type: "cleanup" | "sweep", why: string, extra: Record<string, unknown> = {}): Promise<void> {
    const { memory, outbox, stopping } = this.deps;
    const share = this.share;
    share.cleaning ??= (async () => {
      try {
        // Drain: the other jobs on this runner finish first (their slots wait for this cleanup
        // before they start another), so ending the child loses none of them.
        await Promise.all(share.slots.map((s) => s.current?.done));
        const before = await memory.read();
        const { unavailableMs, ready } = await this.runner.recycle();
        this.fresh = true;
        const after = await memory.read();
        this.deps.onReading(after);
        const data = {
          reason: why,
          freedMiB: before.usedMiB - after.usedMiB,
          processBeforeMiB: before.processMiB,
          processAfterMiB: after.processMiB,
          unavailableMs,
          // The batch rule's count when the cleanup ran: images of this batch since the last cleanup.
          batchImages: this.batch.images,
          batchId: this.batch.batchId,
          provider: ready.provider,
          ...this.tag,
          ...(this.deps.tagEvents && { allFresh: this.deps.allFresh() }),
          ...extra,
        };
        this.deps.log().info({ type, beforeMiB: before.usedMiB, afterMiB: after.usedMiB, ...data }, "runner recycled to free memory");
        outbox.event(type, { beforeMiB: before.usedMiB, afterMiB: after.usedMiB, data });
      } catch (err) {
        if (!stopping.aborted) this.deps.log().error({ err, ...this.tag }, `${type} failed`);
      } finally {
        share.batch = afterCleanup(share.batch);
        share.lastCleanupAt = Date.now();
      }
    })().finally(() => (share.cleaning = null));
    return share.cleaning;
  }
}
