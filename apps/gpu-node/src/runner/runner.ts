// The agent's side of the model runner: forks the child that keeps the OCR model resident,
// supervises it (crash → restart, timeout → recycle), and recycles it on demand, because ending the
// process is the only cleanup that really returns its memory to the driver.
import { fork, spawn, type ChildProcess, type SpawnOptions } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { TJobErrorCode, TOcrResult } from "@headroom/protocol";
import type { Logger } from "pino";
import { sleep } from "../backoff.ts";
import type { TLaunchWrapper } from "./gpu-isolation.ts";
import type { TChildMessage, TParentMessage, TProviderNote, TRunnerChildConfig } from "./ipc.ts";

export type TRunnerErrorCode = TJobErrorCode | "ABORTED";

export class RunnerError extends Error {
  override readonly name = "RunnerError";
  constructor(
    readonly code: TRunnerErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export type TRunnerReady = { provider: string; model: string; providerNotes: TProviderNote[]; pid: number; loadMs: number };
export type TRunnerRestart = { reason: "crash" | "timeout" | "abort"; detail: string; unavailableMs: number; ready: TRunnerReady };

export type TRunnerOptions = {
  config: TRunnerChildConfig;
  log: Logger;
  /** The child's entry module; tests point it at a small supervised child. */
  childModulePath?: string;
  /** Model load can include the first WebGPU session (about 1.2 s) or a slow disk; 2 min is generous. */
  startTimeoutMs?: number;
  /** After SIGTERM, how long to wait before SIGKILL. */
  killGraceMs?: number;
  /** Start the child through this (GPU isolation, see gpu-isolation.ts); exit code 97 means it could not, and the runner starts without it. */
  launchWrapper?: TLaunchWrapper | null;
  /** Keep a warm spare child so a recycle skips the process start (default true; off to compare). */
  keepSpare?: boolean;
  /** Unplanned restarts (crash, timeout, abort), reported by the agent as `runner_restart` events. */
  onRestart?: (e: TRunnerRestart) => void;
};

type TPending = { resolve: (r: TOcrResult) => void; reject: (e: RunnerError) => void };

/** The launch wrapper's exit code when it could not set up isolation (see gpu-isolation.ts). */
const WRAPPER_FAILED_EXIT_CODE = 97;
const DEFAULT_CHILD = fileURLToPath(new URL("./child.ts", import.meta.url));
// A crash loop (bad driver state, a model that no longer loads) backs off up to this, in ms.
const MAX_RESTART_BACKOFF_MS = 30_000;


export class Runner {
  private child: ChildProcess | null = null;
  private info: TRunnerReady | null = null;
  private readyPromise: Promise<TRunnerReady> | null = null;
  private recycling: Promise<{ unavailableMs: number; ready: TRunnerReady }> | null = null;
  /** A started child waiting to load the model (see child-loop.ts), so a recycle skips the process start. */
  private spare: Promise<ChildProcess | null> | null = null;
  private readonly pending = new Map<number, TPending>();
  private nextId = 1;
  private stopped = false;
  /** Ends a restart backoff early when the runner is stopped. */
  private stopSignal = new AbortController();
  private readonly killOnExit = () => {
    this.child?.kill("SIGKILL");
    void this.spare?.then((c) => c?.kill("SIGKILL"));
  };
  private launchWrapper: TLaunchWrapper | null;

  constructor(private readonly o: TRunnerOptions) {
    this.launchWrapper = o.launchWrapper ?? null;
  }

  /** The live child's pid (also while it loads), for per-process memory; null while none is running. */
  get pid(): number | null {
    return this.child?.pid ?? null;
  }
  /** Provider, model and pid of the ready runner; null while it is down or loading. */
  get ready(): TRunnerReady | null {
    return this.info;
  }

  /** First start. Throws if the model cannot be loaded at all (the agent cannot serve). */
  async start(): Promise<TRunnerReady> {
    this.stopped = false;
    this.stopSignal = new AbortController();
    process.once("exit", this.killOnExit);
    this.readyPromise = this.spawn().catch((err: Error & { wrapperFailed?: boolean }) => {
      if (!err.wrapperFailed) throw err;
      // Serving on a shared view of the GPUs beats not serving; the log says what that risks.
      this.o.log.warn({ err: err.message }, "could not isolate the runner to its GPU; starting it without isolation (with WebGPU it may land on GPU 0)");
      this.launchWrapper = null;
      return this.spawn();
    });
    return this.readyPromise;
  }

  async recognize(bytes: Buffer, opts: { timeoutMs: number; signal?: AbortSignal }): Promise<TOcrResult> {
    const child = await this.whenReady();
    if (opts.signal?.aborted) throw new RunnerError("ABORTED", String(opts.signal.reason ?? "aborted"));
    const id = this.nextId++;
    return new Promise<TOcrResult>((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        opts.signal?.removeEventListener("abort", onAbort);
        this.pending.delete(id);
      };
      // A job the child will not finish has to be stopped by ending the child; the result, if it
      // ever came, would be for a job nobody waits for any more.
      const giveUp = (code: RunnerError["code"], reason: TRunnerRestart["reason"], detail: string) => {
        done();
        reject(new RunnerError(code, detail));
        void this.restartBecause(reason, detail);
      };
      const timer = setTimeout(() => giveUp("TIMEOUT", "timeout", `no result within ${opts.timeoutMs} ms`), opts.timeoutMs);
      // With several jobs in flight in the child (config.maxJobs), an aborted job is canceled inside
      // it, since ending the child would take the other jobs with it; with one, ending the child is
      // the quickest way to free what the aborted job holds.
      const onAbort = () => {
        const reason = String(opts.signal?.reason ?? "aborted");
        if ((this.o.config.maxJobs ?? 1) <= 1) return giveUp("ABORTED", "abort", reason);
        done();
        reject(new RunnerError("ABORTED", reason));
        if (child.connected) child.send({ type: "cancel", id, reason } satisfies TParentMessage, () => {});
      };
      opts.signal?.addEventListener("abort", onAbort, { once: true });
      this.pending.set(id, {
        resolve: (r) => (done(), resolve(r)),
        reject: (e) => (done(), reject(e)),
      });
      const msg: TParentMessage = { type: "recognize", id, bytes: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) };
      child.send(msg, (err) => {
        if (err) this.pending.get(id)?.reject(new RunnerError("RUNNER_CRASHED", `could not send the job to the runner: ${err.message}`));
      });
    });
  }

  /**
   * End the child and start a fresh one. Returns how long the node could not serve, in ms: the
   * old child's exit plus the model load in the spare, which was started ahead of time.
   * Concurrent calls share one recycle.
   */
  recycle(): Promise<{ unavailableMs: number; ready: TRunnerReady }> {
    if (this.recycling) return this.recycling;
    const recycling = (async () => {
      const t0 = performance.now();
      await this.kill("runner recycled");
      const ready = await this.spawnUntilReady();
      return { unavailableMs: Math.round(performance.now() - t0), ready };
    })().finally(() => (this.recycling = null));
    // Jobs arriving during the recycle wait for the fresh runner rather than fail.
    const ready = recycling.then((r) => r.ready);
    ready.catch(() => {}); // observed by whoever awaits it; not an unhandled rejection
    this.readyPromise = ready;
    this.recycling = recycling;
    return recycling;
  }

  /** Stop for good (shutdown): no restarts after this. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.stopSignal.abort();
    const spare = await this.spare;
    this.spare = null;
    spare?.kill("SIGKILL");
    await this.kill("runner stopped");
    process.removeListener("exit", this.killOnExit);
  }

  private async whenReady(): Promise<ChildProcess> {
    if (this.stopped || !this.readyPromise) throw new RunnerError("INTERNAL", "runner is not running");
    await this.readyPromise.catch((err: Error) => {
      throw new RunnerError("RUNNER_CRASHED", `runner unavailable: ${err.message}`);
    });
    if (!this.child || !this.info) throw new RunnerError("RUNNER_CRASHED", "runner went away before the job was sent");
    return this.child;
  }

  private async restartBecause(reason: TRunnerRestart["reason"], detail: string): Promise<void> {
    try {
      const { unavailableMs, ready } = await this.recycle();
      this.o.onRestart?.({ reason, detail, unavailableMs, ready });
    } catch (err) {
      if (!this.stopped) this.o.log.error({ err }, "runner restart failed");
    }
  }

  /** Restarts (not the first start) keep trying: the model loaded before, so the cause is likely passing. */
  private async spawnUntilReady(): Promise<TRunnerReady> {
    for (let attempt = 0; ; attempt++) {
      if (this.stopped) throw new Error("runner stopped");
      try {
        return await this.spawn();
      } catch (err) {
        if (this.stopped) throw err;
        const backoffMs = Math.min(MAX_RESTART_BACKOFF_MS, 500 * 2 ** attempt);
        this.o.log.error({ err, attempt, backoffMs }, "runner failed to start; retrying");
        await sleep(backoffMs, this.stopSignal.signal);
      }
    }
  }

  /** Starts a child and resolves once it is warm: Node and the engine's modules loaded, no model yet. */
  private launchWarm(): Promise<ChildProcess> {
    const childArgs = [this.o.childModulePath ?? DEFAULT_CHILD, JSON.stringify(this.o.config)];
    const options: SpawnOptions = { serialization: "advanced", stdio: ["ignore", "inherit", "inherit", "ipc"] };
    const wrapper = this.launchWrapper;
    const child = wrapper
      ? spawn(wrapper.command, [...wrapper.args, process.execPath, "--import", "tsx", ...childArgs], options)
      : fork(childArgs[0]!, childArgs.slice(1), { ...options, execArgv: ["--import", "tsx"] });
    return new Promise<ChildProcess>((resolve, reject) => {
      const timeoutMs = this.o.startTimeoutMs ?? 120_000;
      const fail = (message: string, wrapperFailed = false) => {
        clearTimeout(timer);
        child.kill("SIGKILL");
        reject(Object.assign(new Error(message), { wrapperFailed }));
      };
      const timer = setTimeout(() => fail(`runner did not start within ${timeoutMs} ms`), timeoutMs);
      const onMessage = (m: TChildMessage) => {
        if (m.type !== "warm") return;
        clearTimeout(timer);
        child.off("message", onMessage);
        child.off("exit", onExit);
        resolve(child);
      };
      const onExit = (code: number | null, signal: string | null) =>
        fail(`runner exited (code ${code}, signal ${signal}) while starting`, wrapper !== null && code === WRAPPER_FAILED_EXIT_CODE);
      child.on("message", onMessage);
      child.once("exit", onExit);
      child.once("error", (err) => fail(`runner could not be started: ${err.message}`));
    });
  }

  /** Keeps one warm child in reserve; a spare that failed to start is simply not there. */
  private prepareSpare(): void {
    if (this.stopped || this.spare || this.o.keepSpare === false) return;
    this.spare = this.launchWarm().catch(() => null);
  }

  private async takeSpare(): Promise<ChildProcess | null> {
    const spare = await this.spare;
    this.spare = null;
    if (!spare || spare.exitCode !== null || spare.signalCode !== null || !spare.connected) return null;
    return spare;
  }

  private async spawn(): Promise<TRunnerReady> {
    const t0 = performance.now();
    const child = (await this.takeSpare()) ?? (await this.launchWarm());
    if (this.stopped) {
      child.kill("SIGKILL");
      throw new Error("runner stopped");
    }
    this.child = child;
    this.info = null;
    const log = this.o.log.child({ runnerPid: child.pid });

    child.on("message", (m: TChildMessage) => {
      if (m.type === "log") log.info(m.data ?? {}, m.msg);
      else if (m.type === "result") this.pending.get(m.id)?.resolve(m.result);
      else if (m.type === "error") this.pending.get(m.id)?.reject(new RunnerError(m.code, m.message));
    });

    return new Promise<TRunnerReady>((resolve, reject) => {
      let loaded = false;
      const fail = (message: string) => {
        clearTimeout(timer);
        if (this.child === child) this.child = null;
        child.kill("SIGKILL");
        reject(new Error(message));
      };
      const timeoutMs = this.o.startTimeoutMs ?? 120_000;
      const timer = setTimeout(() => fail(`runner did not load the model within ${timeoutMs} ms`), timeoutMs);
      child.on("message", (m: TChildMessage) => {
        if (m.type === "start_failed") {
          fail(m.message);
        } else if (m.type === "ready" && this.child === child) {
          clearTimeout(timer);
          loaded = true;
          this.info = { provider: m.provider, model: m.model, providerNotes: m.providerNotes, pid: child.pid ?? -1, loadMs: Math.round(performance.now() - t0) };
          log.debug({ provider: m.provider, model: m.model, loadMs: this.info.loadMs }, "runner loaded");
          resolve(this.info);
          this.prepareSpare();
        }
      });
      child.once("exit", (code, signal) => {
        const detail = `runner exited (code ${code}, signal ${signal})`;
        // Also when killed on purpose mid-load (stop during a restart): the start must not hang.
        if (!loaded) return fail(`${detail} while loading the model`);
        if (this.child !== child) return; // killed on purpose (recycle, stop)
        this.onCrash(detail);
      });
      child.send({ type: "load" } satisfies TParentMessage);
    });
  }

  private onCrash(detail: string): void {
    this.o.log.warn({ detail, inFlight: this.pending.size }, "runner crashed");
    this.child = null;
    this.info = null;
    this.rejectAll("RUNNER_CRASHED", `${detail} mid-job`);
    if (this.stopped) return;
    const t0 = performance.now();
    this.readyPromise = this.spawnUntilReady();
    this.readyPromise.then(
      (ready) => this.o.onRestart?.({ reason: "crash", detail, unavailableMs: Math.round(performance.now() - t0), ready }),
      () => {},
    );
  }

  private rejectAll(code: TRunnerErrorCode, message: string): void {
    for (const p of [...this.pending.values()]) p.reject(new RunnerError(code, message));
  }

  private async kill(reason: string): Promise<void> {
    const child = this.child;
    this.child = null;
    this.info = null;
    this.rejectAll("RUNNER_CRASHED", reason);
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((r) => child.once("exit", () => r()));
    child.kill("SIGTERM");
    const escalate = setTimeout(() => child.kill("SIGKILL"), this.o.killGraceMs ?? 3_000);
    await exited;
    clearTimeout(escalate);
  }
}
