// The node agent: register, heartbeat, claim one job at a time, run it, apply the memory rules.
// Talks only HTTP to the control plane; the model lives in the supervised runner child.
import { budgetedTotalMiB, DEFAULT_THRESHOLDS, type TMemoryReading, type TThresholds } from "@headroom/protocol";
import type { Logger } from "pino";
import { Backoff, sleep } from "./backoff.ts";
import { JobAbort, runAssignment } from "./agent/job.ts";
import { Outbox } from "./agent/outbox.ts";
import { ControlError, isUnauthenticated, type ControlClient } from "./control-client.ts";
import type { TAgentEnv } from "./env.ts";
import { applyMemoryBudget, BudgetedMemoryReader } from "./rules/memory-budget.ts";
import { afterCleanup, countBatchImages, NO_BATCH, shouldBatchCleanup, shouldCleanupAfterJob, shouldReclaim, shouldSweep, type TBatchCount } from "./rules/memory-rules.ts";
import { Runner, type TRunnerOptions, type TRunnerReady, type TRunnerRestart } from "./runner/runner.ts";
import { createMemoryReader, type MemoryReader } from "./telemetry/index.ts";

export type TAgentOptions = {
  env: TAgentEnv;
  client: ControlClient;
  log: Logger;
  agentVersion: string;
  gpuName: string | null;
  /** Runner overrides (tests use a scripted child). */
  runner?: Partial<Omit<TRunnerOptions, "log" | "onRestart">>;
  heartbeatIntervalMs?: number;
  claimWaitMs?: number;
  /** How long shutdown waits for the current job before abandoning it, in ms. */
  shutdownGraceMs?: number;
  /** The least time between a cleanup and a reclaim the control plane asks for, in ms (RECLAIM_MIN_INTERVAL_MS). */
  reclaimMinIntervalMs?: number;
};

type TCurrentJob = { jobId: string; attempt: number; abort: AbortController; done: Promise<unknown> };

export class Agent {
  readonly runner: Runner;
  /** Every reading the agent decides on or reports goes through the memory budget in force. */
  private readonly memory: BudgetedMemoryReader;
  /** The device reader under the budget; its nvidia-smi stream ends with the agent. */
  private readonly telemetry: MemoryReader;
  private readonly outbox: Outbox;
  private log: Logger;
  private nodeId: string | null = null;
  private thresholds: TThresholds = DEFAULT_THRESHOLDS;
  private appliedSettingsVersion: number | null = null;
  private drained = false;
  private lastReading: TMemoryReading | null = null;
  private current: TCurrentJob | null = null;
  private cleaning: Promise<void> | null = null;
  /** Images of the current batch (a multi-page job, or consecutive jobs of one upload) since the last cleanup. */
  private batch: TBatchCount = NO_BATCH;
  private lastCleanupAt = Date.now();
  private readonly stopping = new AbortController();
  private loops: Promise<unknown>[] = [];
  private reregistering: Promise<void> | null = null;

  constructor(private readonly o: TAgentOptions) {
    this.log = o.log;
    this.runner = new Runner({
      config: { providers: o.env.providers, manifestPath: o.env.modelManifestPath, threads: o.env.ocrThreads, pdfDpi: o.env.pdfDpi, maxPages: o.env.maxPages },
      ...o.runner,
      log: o.log.child({ component: "runner" }),
      onRestart: (e) => this.onRunnerRestart(e),
    });
    this.memory = new BudgetedMemoryReader(
      (this.telemetry = createMemoryReader({ gpuIndex: o.env.gpuIndex, cpuBudgetMiB: o.env.cpuBudgetMiB, runnerPid: () => this.runner.pid, sampleIntervalMs: () => this.thresholds.sampleIntervalMs })),
      () => this.thresholds.memoryBudgetMiB,
    );
    this.outbox = new Outbox(o.client, o.log.child({ component: "outbox" }));
  }

  get id(): string | null {
    return this.nodeId;
  }

  /** Runs until stop(); throws only when the agent cannot work at all (model, telemetry, enrolment). */
  async run(): Promise<void> {
    // Fail fast on a misconfigured node: no reading or no model means nothing can be served honestly.
    this.lastReading = await this.memory.read();
    let ready: TRunnerReady;
    try {
      ready = await this.runner.start();
    } catch (err) {
      if (this.stopping.signal.aborted) return; // Ctrl-C while the model loads is not a failure
      throw err;
    }
    this.log.info({ provider: ready.provider, model: ready.model, providerNotes: ready.providerNotes, loadMs: ready.loadMs }, "runner ready");
    await this.register(ready);
    if (this.stopping.signal.aborted) return;
    this.loops = [this.heartbeatLoop(), this.sweepLoop(), this.flushLoop(), this.claimLoop()];
    await Promise.all(this.loops);
  }

  /** Graceful: stop claiming, let the current job finish (or abandon it after the grace), kill the runner. */
  async stop(reason: string): Promise<void> {
    if (this.stopping.signal.aborted) return;
    this.log.info({ reason }, "agent stopping");
    this.stopping.abort(new Error(`agent stopping (${reason})`));
    const job = this.current;
    if (job) {
      const graceMs = this.o.shutdownGraceMs ?? 10_000;
      const finished = await Promise.race([job.done.then(() => true), sleep(graceMs).then(() => false)]);
      if (!finished) {
        job.abort.abort(new JobAbort("shutdown", "agent shutting down"));
        await Promise.race([job.done, sleep(3_000)]);
      }
    }
    await Promise.race([this.cleaning, sleep(5_000)]);
    await this.runner.stop();
    await Promise.race([Promise.allSettled(this.loops), sleep(3_000)]);
    await Promise.race([this.outbox.flush(), sleep(2_000)]);
    this.telemetry.close?.();
  }

  private async register(ready: TRunnerReady): Promise<void> {
    const backoff = new Backoff();
    while (!this.stopping.signal.aborted) {
      try {
        const reading = await this.memory.read().catch(() => this.lastReading!);
        const res = await this.o.client.register(
          {
            name: this.o.env.nodeName,
            hostname: this.o.env.hostname,
            kind: this.o.env.gpuIndex === null ? "CPU" : "GPU",
            gpuIndex: this.o.env.gpuIndex,
            gpuName: this.o.gpuName,
            provider: ready.provider,
            model: ready.model,
            providerNotes: ready.providerNotes,
            agentVersion: this.o.agentVersion,
            memory: reading,
          },
          this.o.env.enrollToken,
        );
        this.o.client.setToken(res.token);
        this.nodeId = res.nodeId;
        this.log = this.o.log.child({ nodeId: res.nodeId });
        this.applySettings(res.thresholds, res.settingsVersion);
        this.log.info({ name: this.o.env.nodeName, provider: ready.provider }, "registered");
        return;
      } catch (err) {
        // An answered 4xx (bad enrolment token, rejected registration) will not fix itself.
        if (err instanceof ControlError && err.status >= 400 && err.status < 500 && err.status !== 408 && err.status !== 429) {
          throw new Error(`registration rejected by the control plane: ${err.message}`);
        }
        const delayMs = backoff.nextDelayMs();
        this.log.warn({ err: (err as Error).message, retryInMs: delayMs }, "control plane not reachable; retrying registration");
        await sleep(delayMs, this.stopping.signal);
      }
    }
  }

  private applySettings(thresholds: TThresholds, settingsVersion: number): void {
    if (settingsVersion === this.appliedSettingsVersion) return;
    const previous = this.thresholds;
    this.thresholds = thresholds;
    this.appliedSettingsVersion = settingsVersion;
    const changed = Object.fromEntries(Object.entries(thresholds).filter(([k, v]) => previous[k as keyof TThresholds] !== v));
    this.log.info({ settingsVersion, changed }, "thresholds applied");
    this.outbox.event("settings_applied", { data: { settingsVersion, thresholds, changed } });
    if (thresholds.memoryBudgetMiB !== previous.memoryBudgetMiB) this.onBudgetChange(previous.memoryBudgetMiB, thresholds.memoryBudgetMiB);
  }

  /** The physical total is visible only here: a node event with the total before and after the change. */
  private onBudgetChange(fromMiB: number, toMiB: number): void {
    const physical = this.memory.lastPhysical;
    if (!physical) return;
    // The sweep timer works on the last reading; it must not wait a heartbeat for the new budget.
    this.lastReading = applyMemoryBudget(physical, toMiB);
    const beforeMiB = budgetedTotalMiB(physical.totalMiB, fromMiB);
    const afterMiB = budgetedTotalMiB(physical.totalMiB, toMiB);
    const data = { budgetMiB: toMiB, previousBudgetMiB: fromMiB, physicalTotalMiB: physical.totalMiB, totalBeforeMiB: beforeMiB, totalAfterMiB: afterMiB };
    this.log.info(data, "memory budget applied: the rules now work on the budgeted total");
    this.outbox.event("memory_budget", { beforeMiB, afterMiB, data });
  }

  private async heartbeatLoop(): Promise<void> {
    const intervalMs = this.o.heartbeatIntervalMs ?? 2_000;
    while (!this.stopping.signal.aborted) {
      const t0 = performance.now();
      try {
        const reading = await this.memory.read().catch((err: Error) => {
          this.log.warn({ err: err.message }, "memory reading failed; heartbeat carries the last one");
          return this.lastReading!;
        });
        this.lastReading = reading;
        const job = this.current;
        const res = await this.o.client.heartbeat({
          memory: reading,
          activeJobs: job ? [{ jobId: job.jobId, attempt: job.attempt }] : [],
          appliedSettingsVersion: this.appliedSettingsVersion,
        });
        this.applySettings(res.thresholds, res.settingsVersion);
        if (res.drained !== this.drained) {
          this.drained = res.drained;
          this.log.info({ drained: res.drained }, res.drained ? "node drained: not claiming" : "node undrained: claiming");
          this.outbox.event(res.drained ? "drained" : "undrained");
        }
        if (job && res.revokedJobs.includes(job.jobId)) job.abort.abort(new JobAbort("revoked", "lease revoked by the control plane"));
        // A queued job waits for headroom that recycling this idle runner would free. Not awaited:
        // heartbeats go on while the runner reloads.
        const state = { busy: this.current !== null, cleaning: this.cleaning !== null, msSinceLastCleanup: Date.now() - this.lastCleanupAt };
        if (res.reclaim && !this.stopping.signal.aborted && shouldReclaim(res.reclaim, state, this.o.reclaimMinIntervalMs)) {
          void this.cleanup("cleanup", `reclaim: ${res.reclaim.reason}`, { neededMiB: res.reclaim.neededMiB });
        }
        if (!job) this.outbox.sample(reading, null);
      } catch (err) {
        await this.onControlError(err, "heartbeat");
      }
      await sleep(Math.max(0, intervalMs - (performance.now() - t0)), this.stopping.signal);
    }
  }

  private async claimLoop(): Promise<void> {
    const backoff = new Backoff();
    while (!this.stopping.signal.aborted) {
      if (this.drained) {
        await sleep(1_000, this.stopping.signal);
        continue;
      }
      try {
        // Stopping ends the long-poll at once; a job claimed in that instant simply lets its lease expire.
        const a = await this.o.client.claim(this.o.claimWaitMs ?? 20_000, this.stopping.signal);
        backoff.reset();
        if (!a || this.stopping.signal.aborted) continue;
        // A sweep or reclaim in progress finishes before the job starts. No await once none is under
        // way, so no cleanup can begin between this check and `this.current` being set below.
        while (this.cleaning) await this.cleaning;
        const abort = new AbortController();
        const log = this.log.child({ jobId: a.jobId });
        const done = runAssignment(
          { client: this.o.client, runner: this.runner, memory: this.memory, outbox: this.outbox, thresholds: () => this.thresholds, lastReading: () => this.lastReading, log: this.log },
          a,
          abort,
        );
        this.current = { jobId: a.jobId, attempt: a.attempt, abort, done: done.catch(() => {}) };
        try {
          const outcome = await done;
          if (outcome.kind === "completed" || outcome.kind === "failed") {
            this.batch = countBatchImages(this.batch, a);
            if (outcome.after) this.lastReading = outcome.after;
          }
          if (outcome.kind === "refused") await sleep(backoff.nextDelayMs(), this.stopping.signal); // let the scheduler see our reading
        } catch (err) {
          log.error({ err }, "job handling failed; the lease will expire and the job will be requeued");
        } finally {
          this.current = null;
        }
        void this.outbox.flush();
        if (!this.stopping.signal.aborted) await this.afterJobCleanup();
      } catch (err) {
        if (this.stopping.signal.aborted) break;
        await this.onControlError(err, "claim");
        await sleep(backoff.nextDelayMs(), this.stopping.signal);
      }
    }
  }

  private async afterJobCleanup(): Promise<void> {
    const reading = await this.memory.read().catch(() => this.lastReading);
    if (!reading) return;
    if (shouldCleanupAfterJob(reading, this.thresholds)) await this.cleanup("cleanup", "usage above cleanupAbovePct after a job");
    else if (shouldBatchCleanup(this.batch.images, this.thresholds)) {
      const { batchId, images } = this.batch;
      await this.cleanup("cleanup", batchId ? `${images} images of batch ${batchId} since the last cleanup` : `a job of ${images} pages (a batch of its own)`);
    }
  }

  // Checks every second, so a sweep interval changed in the UI applies within a second. A sweep
  // happens once usage is above sweepAbovePct and sweepIntervalS has passed since the last cleanup.
  private async sweepLoop(): Promise<void> {
    while (!this.stopping.signal.aborted) {
      await sleep(1_000, this.stopping.signal);
      const reading = this.lastReading;
      if (this.current || this.cleaning || !reading || this.stopping.signal.aborted) continue;
      if (shouldSweep(reading, this.thresholds, Date.now() - this.lastCleanupAt)) {
        await this.cleanup("sweep", `usage above sweepAbovePct ${this.thresholds.sweepAbovePct} % after ${this.thresholds.sweepIntervalS} s`);
      }
    }
  }

  /** Recycle the runner (the only cleanup that really returns memory) and record what it gave back. */
  private cleanup(type: "cleanup" | "sweep", why: string, extra: Record<string, unknown> = {}): Promise<void> {
    this.cleaning ??= (async () => {
      try {
        const before = await this.memory.read();
        const { unavailableMs, ready } = await this.runner.recycle();
        const after = await this.memory.read();
        this.lastReading = after;
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
          ...extra,
        };
        this.log.info({ type, beforeMiB: before.usedMiB, afterMiB: after.usedMiB, ...data }, "runner recycled to free memory");
        this.outbox.event(type, { beforeMiB: before.usedMiB, afterMiB: after.usedMiB, data });
      } catch (err) {
        if (!this.stopping.signal.aborted) this.log.error({ err }, `${type} failed`);
      } finally {
        this.batch = afterCleanup(this.batch);
        this.lastCleanupAt = Date.now();
      }
    })().finally(() => (this.cleaning = null));
    return this.cleaning;
  }

  private onRunnerRestart(e: TRunnerRestart): void {
    this.log.warn({ reason: e.reason, detail: e.detail, unavailableMs: e.unavailableMs, pid: e.ready.pid }, "runner restarted");
    this.outbox.event("runner_restart", { data: { reason: e.reason, detail: e.detail, unavailableMs: e.unavailableMs, provider: e.ready.provider } });
  }

  private async flushLoop(): Promise<void> {
    while (!this.stopping.signal.aborted) {
      await sleep(1_000, this.stopping.signal);
      await this.outbox.flush();
    }
  }

  private async onControlError(err: unknown, what: string): Promise<void> {
    if (this.stopping.signal.aborted) return;
    if (isUnauthenticated(err)) {
      // The control plane no longer knows our token (e.g. its database was reset): same name, new token.
      this.log.warn({ what }, "node token rejected; registering again");
      const ready = this.runner.ready;
      // Heartbeat and claim can both see the 401; one registration serves both.
      if (ready) this.reregistering ??= this.register(ready).finally(() => (this.reregistering = null));
      await this.reregistering?.catch((e: Error) => this.log.error({ err: e.message }, "registering again failed"));
      return;
    }
    this.log.warn({ err: (err as Error).message, what }, "control plane call failed");
  }
}
