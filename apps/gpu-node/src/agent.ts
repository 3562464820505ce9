// The node agent: register, heartbeat, claim jobs, run them, apply the memory rules. Talks only HTTP
// to the control plane; the model lives in supervised runner children, one per runner slot
// (HEADROOM_RUNNER_SLOTS, default 1): each slot claims and runs one job at a time on its own runner,
// so with N slots up to N jobs are in flight on the device (agent/runner-slot.ts).
import { applyMemoryBudget, budgetedTotalMiB } from "@headroom/policy";
import { DEFAULT_THRESHOLDS, type TMemoryReading, type TThresholds } from "@headroom/protocol";
import type { Logger } from "pino";
import { Backoff, sleep } from "./backoff.ts";
import { JobAbort, runAssignment } from "./agent/job.ts";
import { Outbox } from "./agent/outbox.ts";
import { RunnerShare, RunnerSlot, type TSlotJob } from "./agent/runner-slot.ts";
import { ControlError, isUnauthenticated, type ControlClient } from "./control-client.ts";
import type { TAgentEnv } from "./env.ts";
import { BudgetedMemoryReader } from "./rules/memory-budget.ts";
import { countBatchImages, GROWTH_HISTORY, pendingGrowthMiB, shouldBatchCleanup, shouldCleanupAfterJob, shouldReclaim, shouldSweep } from "./rules/memory-rules.ts";
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
  /** How long shutdown waits for the jobs in flight before abandoning them, in ms. */
  shutdownGraceMs?: number;
  /** The least time between a cleanup and a reclaim the control plane asks for, in ms (RECLAIM_MIN_INTERVAL_MS). */
  reclaimMinIntervalMs?: number;
  /** How long a job runs before its start is reported on its own (agent/start-report.ts); 0 = at once. */
  startReportDelayMs?: number;
};

export class Agent {
  /** One per runner slot; the memory reading's processMiB sums every slot's runner processes. */
  private readonly slots: RunnerSlot[];
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
  /** Growth (peak − before) of the latest completed jobs, for the other slots' admission (pendingGrowthMiB). */
  private recentGrowthMiB: number[] = [];
  /** A reclaim recycling the idle slots one after another; no slot starts a job meanwhile. */
  private reclaiming: Promise<void> | null = null;
  private readonly stopping = new AbortController();
  private loops: Promise<unknown>[] = [];
  private reregistering: Promise<void> | null = null;

  constructor(private readonly o: TAgentOptions) {
    this.log = o.log;
    // processMiB is the sum over every slot's live runner (each its own model in device memory).
    // Warm spares are left out: on a GPU a spare holds no session, so the driver lists no row for it
    // and it would add nothing; on a CPU node its RSS (an idle Node process, about 100 MiB a slot) is
    // Headroom's memory too, but a recycle never gives it back (a fresh spare replaces it, starting
    // just after the cleanup's after-reading), so counting it would put that spare's start-up growth
    // into what the control plane's reclaim expects a recycle to free. A CPU node's used total thus
    // leaves the spares out; budget for them. The device's used/free (nvidia-smi) are whole-card numbers.
    this.memory = new BudgetedMemoryReader(
      (this.telemetry = createMemoryReader({
        gpuIndex: o.env.gpuIndex,
        cpuBudgetMiB: o.env.cpuBudgetMiB,
        runnerPids: () => this.leaders().flatMap((s) => (s.runner.pid === null ? [] : [s.runner.pid])),
        sampleIntervalMs: () => this.thresholds.sampleIntervalMs,
      })),
      () => this.thresholds.memoryBudgetMiB,
    );
    this.outbox = new Outbox(o.client, o.log.child({ component: "outbox" }));
    const runners = o.env.runnerSlots;
    const jobs = o.env.runnerJobs;
    const count = runners * jobs;
    this.slots = [];
    for (let r = 0; r < runners; r++) {
      // Every runner keeps its own warm spare (the Runner default): a spare has loaded no session, so
      // it holds no device memory, only host memory (one idle Node process, about 100 MiB RSS, see
      // runner/README.md). With N runners recycles come N times as often, and a runner without a
      // spare would be out of service 3.5x longer per recycle (824 ms instead of 238 ms on CPU).
      const share: RunnerShare = new RunnerShare(
        new Runner({
          config: {
            providers: o.env.providers, manifestPath: o.env.modelManifestPath, threads: o.env.ocrThreads, pdfDpi: o.env.pdfDpi, maxPages: o.env.maxPages, ocrSwitches: o.env.ocrSwitches,
            maxJobs: jobs, ...(o.env.cropWorkers !== undefined && { cropWorkers: o.env.cropWorkers }),
          },
          ...o.runner,
          log: o.log.child({ component: "runner", ...(count > 1 && { slot: r * jobs }) }),
          onRestart: (e) => this.onRunnerRestart(share.slots[0]!, e),
        }),
      );
      for (let j = 0; j < jobs; j++) {
        this.slots.push(new RunnerSlot(r * jobs + j, share, { memory: this.memory, outbox: this.outbox, log: () => this.log, stopping: this.stopping.signal, onReading: (rd) => (this.lastReading = rd), tagEvents: count > 1, allFresh: () => this.slots.every((s) => s.fresh) }));
      }
    }
  }

  /** One slot per runner: the slot that starts, stops, sweeps and reclaims it. */
  private leaders(): RunnerSlot[] {
    return this.slots.filter((s) => s.leads);
  }

  /** Slot 0's runner (the only one with one slot). */
  get runner(): Runner {
    return this.slots[0]!.runner;
  }

  /** Every runner, in slot order (slots sharing a runner list it once). */
  get runners(): readonly Runner[] {
    return this.leaders().map((s) => s.runner);
  }

  get id(): string | null {
    return this.nodeId;
  }

  /** Runs until stop(); throws only when the agent cannot work at all (model, telemetry, enrolment). */
  async run(): Promise<void> {
    // Fail fast on a misconfigured node: no reading or no model means nothing can be served honestly.
    this.lastReading = await this.memory.read();
    let ready: TRunnerReady | undefined;
    // One slot after another: slot 0 fails fast on a model or provider that cannot load, and the
    // children never initialise the device or write the rewritten-model cache at the same moment.
    for (const slot of this.leaders()) {
      let r: TRunnerReady;
      try {
        r = await slot.runner.start();
      } catch (err) {
        if (this.stopping.signal.aborted) return; // Ctrl-C while the model loads is not a failure
        throw err;
      }
      this.log.info({ provider: r.provider, model: r.model, providerNotes: r.providerNotes, loadMs: r.loadMs, ...slot.tag }, "runner ready");
      if (ready && r.provider !== ready.provider) this.log.warn({ ...slot.tag, provider: r.provider, registeredProvider: ready.provider }, "runner slot loaded another provider than slot 0");
      ready ??= r;
    }
    await this.register(ready!);
    if (this.stopping.signal.aborted) return;
    this.loops = [this.heartbeatLoop(), this.sweepLoop(), this.flushLoop(), ...this.slots.map((s) => this.claimLoop(s))];
    await Promise.all(this.loops);
  }

  /**
   * Graceful: every slot stops claiming, the jobs in flight finish (or, after one shared grace, are
   * handed back to the queue), the runners are killed, and the node deregisters so the control plane
   * neither waits for the offline timeout nor for a lease to expire.
   */
  async stop(reason: string): Promise<void> {
    if (this.stopping.signal.aborted) return;
    this.log.info({ reason }, "agent stopping");
    this.stopping.abort(new Error(`agent stopping (${reason})`));
    const jobs = this.slots.flatMap((s) => (s.current ? [s.current] : []));
    if (jobs.length > 0) {
      const graceMs = this.o.shutdownGraceMs ?? 10_000;
      const allDone = () => Promise.all(jobs.map((j) => j.done));
      const finished = await Promise.race([allDone().then(() => true), sleep(graceMs).then(() => false)]);
      if (!finished) {
        for (const job of jobs) job.abort.abort(new JobAbort("shutdown", "agent shutting down"));
        await Promise.race([allDone(), sleep(3_000)]);
      }
    }
    await Promise.race([Promise.all([this.reclaiming, ...this.slots.map((s) => s.cleaning)]), sleep(5_000)]);
    await Promise.all(this.leaders().map((s) => s.runner.stop()));
    await Promise.race([Promise.allSettled(this.loops), sleep(3_000)]);
    await Promise.race([this.outbox.flush(), sleep(2_000)]);
    await this.deregister();
    this.telemetry.close?.();
  }

  /** Last words to the control plane; if they do not arrive, the offline timeout and leases do the same, later. */
  private async deregister(): Promise<void> {
    if (this.nodeId === null) return;
    try {
      const { requeued } = await Promise.race([this.o.client.deregister(), sleep(3_000).then(() => Promise.reject(new Error("no answer in 3 s")))]);
      this.log.info({ requeued }, "deregistered");
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, "could not deregister; the control plane will mark the node offline when its heartbeats stop");
    }
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
            maxConcurrent: this.slots.length,
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
      // An idle node's memory history is one sample per heartbeat, and the heartbeat carries it
      // (sampleAt): one request, not two. Through the outbox only when the heartbeat did not keep
      // it: it failed (a control plane that stored it and then failed to answer leaves one extra
      // sample), or the control plane predates sampleAt.
      let idleSample: { reading: TMemoryReading; at: Date } | null = null;
      try {
        const reading = await this.memory.read().catch((err: Error) => {
          this.log.warn({ err: err.message }, "memory reading failed; heartbeat carries the last one");
          return this.lastReading!;
        });
        this.lastReading = reading;
        const jobs = this.jobsInFlight();
        if (jobs.length === 0) idleSample = { reading, at: new Date() };
        const res = await this.o.client.heartbeat({
          memory: reading,
          activeJobs: jobs.map((j) => ({ jobId: j.jobId, attempt: j.attempt })),
          appliedSettingsVersion: this.appliedSettingsVersion,
          ...(idleSample && { sampleAt: idleSample.at.toISOString() }),
        });
        if (res.sampleStored) idleSample = null;
        this.applySettings(res.thresholds, res.settingsVersion);
        if (res.drained !== this.drained) {
          this.drained = res.drained;
          this.log.info({ drained: res.drained }, res.drained ? "node drained: not claiming" : "node undrained: claiming");
          this.outbox.event(res.drained ? "drained" : "undrained");
        }
        for (const job of jobs) if (res.revokedJobs.includes(job.jobId)) job.abort.abort(new JobAbort("revoked", "lease revoked by the control plane"));
        // A queued job waits for headroom that recycling this idle node's runners would free. Only
        // when every slot is idle and none is cleaning: the node is "busy" while any job runs, and
        // the interval counts from the latest cleanup of any slot. Not awaited: heartbeats go on
        // while the runners reload.
        const state = {
          busy: this.slots.some((s) => s.current !== null),
          cleaning: this.reclaiming !== null || this.slots.some((s) => s.cleaning !== null),
          msSinceLastCleanup: Date.now() - Math.max(...this.slots.map((s) => s.lastCleanupAt)),
        };
        if (res.reclaim && !this.stopping.signal.aborted && shouldReclaim(res.reclaim, state, this.o.reclaimMinIntervalMs)) {
          this.reclaim(`reclaim: ${res.reclaim.reason}`, { neededMiB: res.reclaim.neededMiB });
        }
      } catch (err) {
        await this.onControlError(err, "heartbeat");
      }
      if (idleSample) this.outbox.sample(idleSample.reading, null, idleSample.at);
      await sleep(Math.max(0, intervalMs - (performance.now() - t0)), this.stopping.signal);
    }
  }

  /** The jobs in flight, in slot order. */
  private jobsInFlight(): TSlotJob[] {
    return this.slots.flatMap((s) => (s.current ? [s.current] : []));
  }

  /** Every slot's runner, one after another (each its own cleanup event); no slot starts a job until all are done. */
  private reclaim(why: string, extra: Record<string, unknown>): void {
    this.reclaiming ??= (async () => {
      for (const slot of this.leaders()) if (!slot.runnerBusy && !this.stopping.signal.aborted) await slot.cleanup("cleanup", why, extra);
    })().finally(() => (this.reclaiming = null));
  }

  /**
   * The device crossed the cap during some job. The reading is the whole card's and processMiB the
   * sum over all runners, so with several jobs in flight there is no telling whose runner grew:
   * every running job on the device is aborted (GPU_OOM, retryable elsewhere), which is safe. With
   * one slot the job has already aborted itself and this does nothing.
   */
  private onOverCap(reason: string): void {
    for (const job of this.jobsInFlight()) {
      if (job.running && !job.abort.signal.aborted) job.abort.abort(new JobAbort("over_cap", reason));
    }
  }

  private async claimLoop(slot: RunnerSlot): Promise<void> {
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
        // A sweep, cleanup or reclaim of this slot (or a reclaim of all) in progress finishes before
        // the job starts. No await once none is under way, so none can begin between this check and
        // `slot.current` being set below.
        while (slot.cleaning || this.reclaiming) await (slot.cleaning ?? this.reclaiming);
        const abort = new AbortController();
        const log = this.log.child({ jobId: a.jobId, ...slot.tag });
        const job: TSlotJob = { jobId: a.jobId, attempt: a.attempt, abort, done: Promise.resolve(), running: false };
        // Each job samples the device on its own (job.ts): its samples carry its id, so its page keeps
        // its memory curve, and its peak is the device's peak while it ran (other slots' jobs
        // included; placement reserves each job's predicted peak on top of the others anyway). With
        // several jobs in flight one reading is sent once per job.
        const done = runAssignment(
          {
            client: this.o.client,
            runner: slot.runner,
            memory: this.memory,
            outbox: this.outbox,
            thresholds: () => this.thresholds,
            lastReading: () => this.lastReading,
            log: this.slots.length > 1 ? this.log.child(slot.tag) : this.log,
            onRunning: () => {
              job.running = true;
              slot.fresh = false;
            },
            onOverCap: (reason) => this.onOverCap(reason),
            pendingGrowthMiB: () => pendingGrowthMiB(this.slots.filter((o) => o !== slot && o.current !== null).length, this.recentGrowthMiB),
            startReportDelayMs: this.o.startReportDelayMs,
          },
          a,
          abort,
        );
        job.done = done.catch(() => {});
        slot.current = job;
        try {
          const outcome = await done;
          if (outcome.kind === "completed") this.recentGrowthMiB = [...this.recentGrowthMiB, outcome.growthMiB].slice(-GROWTH_HISTORY);
          if (outcome.kind === "completed" || outcome.kind === "failed") {
            slot.batch = countBatchImages(slot.batch, a);
            if (outcome.after) this.lastReading = outcome.after;
          }
          if (outcome.kind === "refused") await sleep(backoff.nextDelayMs(), this.stopping.signal); // let the scheduler see our reading
        } catch (err) {
          log.error({ err }, "job handling failed; the lease will expire and the job will be requeued");
        } finally {
          slot.current = null;
        }
        void this.outbox.flush();
        if (!this.stopping.signal.aborted) await this.afterJobCleanup(slot);
      } catch (err) {
        if (this.stopping.signal.aborted) break;
        await this.onControlError(err, "claim");
        await sleep(backoff.nextDelayMs(), this.stopping.signal);
      }
    }
  }

  // With several slots the reading is the device's, jobs of the other slots included; the rule still
  // recycles only the runner of the slot whose job just finished, never one under a job.
  private async afterJobCleanup(slot: RunnerSlot): Promise<void> {
    const reading = await this.memory.read().catch(() => this.lastReading);
    if (!reading) return;
    if (shouldCleanupAfterJob(reading, this.thresholds)) await slot.cleanup("cleanup", "usage above cleanupAbovePct after a job");
    else if (shouldBatchCleanup(slot.batch.images, this.thresholds)) {
      const { batchId, images } = slot.batch;
      await slot.cleanup("cleanup", batchId ? `${images} images of batch ${batchId} since the last cleanup` : `a job of ${images} pages (a batch of its own)`);
    }
  }

  // Checks every second, so a sweep interval changed in the UI applies within a second. A sweep
  // happens once usage is above sweepAbovePct and sweepIntervalS has passed since the last cleanup.
  // With several slots: only idle slots, each on its own interval, one after another, each decided
  // on the reading after the previous recycle (which may already have brought usage under the line).
  private async sweepLoop(): Promise<void> {
    while (!this.stopping.signal.aborted) {
      await sleep(1_000, this.stopping.signal);
      for (const slot of this.leaders()) {
        const reading = this.lastReading;
        if (slot.runnerBusy || slot.cleaning || this.reclaiming || !reading || this.stopping.signal.aborted) continue;
        if (shouldSweep(reading, this.thresholds, Date.now() - slot.lastCleanupAt)) {
          await slot.cleanup("sweep", `usage above sweepAbovePct ${this.thresholds.sweepAbovePct} % after ${this.thresholds.sweepIntervalS} s`);
        }
      }
    }
  }

  private onRunnerRestart(slot: RunnerSlot, e: TRunnerRestart): void {
    slot.fresh = true; // a new runner, whatever ended the old one
    this.log.warn({ reason: e.reason, detail: e.detail, unavailableMs: e.unavailableMs, pid: e.ready.pid, ...slot.tag }, "runner restarted");
    this.outbox.event("runner_restart", { data: { reason: e.reason, detail: e.detail, unavailableMs: e.unavailableMs, provider: e.ready.provider, ...slot.tag } });
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
      const ready = this.slots.map((s) => s.runner.ready).find((r) => r !== null) ?? null;
      // Heartbeat and claim can both see the 401; one registration serves both.
      if (ready) this.reregistering ??= this.register(ready).finally(() => (this.reregistering = null));
      await this.reregistering?.catch((e: Error) => this.log.error({ err: e.message }, "registering again failed"));
      return;
    }
    this.log.warn({ err: (err as Error).message, what }, "control plane call failed");
  }
}
