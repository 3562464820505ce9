// A SIMULATED node agent: no GPU, no runner, no OCR. It speaks the real agent protocol over HTTP at
// the shipped agent's rates (apps/gpu-node/src/agent.ts): register with the enrolment token;
// heartbeat every 2 s, carrying one memory sample while idle (through the outbox when the control
// plane does not keep it); one sample every 250 ms while a job runs, sent by an outbox flushed every
// second, the rest carried by the job's completion; claim by 20 s long-poll; for a job: take its
// file from the claim's answer (or fetch it, from a control plane that does not send it), "work" for
// `workMs` (sleeping), report the start once the job has run `startReportDelayMs` (or carry it in
// the completion; 0 = at once, as agents did before e5c293e), complete with a tiny result. Many of them share one process; each is a few timers
// and promises, not a process of its own.
import type { TAssignment, TCompleteResponse, THeartbeatResponse, TRegisterResponse } from "@headroom/protocol";
import { nowMs, timedCall, type Recorder } from "./recorder.ts";

export const HEARTBEAT_MS = 2_000; // the agent's heartbeatIntervalMs default
export const SAMPLE_MS = 250; // DEFAULT_THRESHOLDS.sampleIntervalMs, while a job runs
export const FLUSH_MS = 1_000; // the outbox flush loop
export const CLAIM_WAIT_MS = 20_000; // the agent's claimWaitMs default

const TOTAL_MIB = 81_920;
const USED_MIB = 8_000;
const MEMORY = { usedMiB: USED_MIB, totalMiB: TOTAL_MIB, freeMiB: TOTAL_MIB - USED_MIB, processMiB: 2_000, utilPct: 0, source: "simulated" };
const RESULT = { pages: [{ page: 1, widthPx: 64, heightPx: 16, lines: [], text: "" }], text: "", model: "simulated", provider: "simulated", timingsMs: {} };

export type TSimAgentOptions = {
  /** The control plane replica this agent talks to (agents are spread over replicas as a balancer with connection affinity would). */
  base: string;
  enrollToken: string;
  name: string;
  workMs: number;
  /** The agent's HEADROOM_START_REPORT_DELAY_MS (DEFAULT_START_REPORT_DELAY_MS by default); 0 = the start is reported before the work. */
  startReportDelayMs: number;
  rec: Recorder;
  onClaim: (jobId: string, claimedAtMs: number) => void;
  signal: AbortSignal;
};

type TSample = { at: string; usedMiB: number; totalMiB: number; processMiB: number; utilPct: number; jobId: string | null };

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });

export class SimAgent {
  private token = "";
  private settingsVersion: number | null = null;
  private active: { jobId: string; attempt: number } | null = null;
  private outbox: TSample[] = [];
  private flushing: Promise<void> | null = null;
  /** Jobs this agent completed. */
  completed = 0;

  constructor(private readonly o: TSimAgentOptions) {}

  private url(p: string): string {
    return `${this.o.base}/api/agent/v1/${p}`;
  }

  private post(route: string, p: string, body: unknown, signal?: AbortSignal) {
    return timedCall(this.o.rec, route, this.url(p), {
      method: "POST",
      headers: { authorization: `Bearer ${this.token}`, "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify(body),
      signal,
    });
  }

  async register(): Promise<void> {
    const body = {
      name: this.o.name,
      hostname: "simulated",
      kind: "GPU",
      gpuIndex: 0,
      gpuName: "SIMULATED 80 GiB",
      provider: "simulated",
      model: "simulated",
      providerNotes: [],
      agentVersion: "bench-dispatch",
      memory: MEMORY,
      maxConcurrent: 1, // the shipped agent's default: one runner slot, one job at a time
    };
    const { json } = await timedCall(this.o.rec, "POST register", this.url("register"), {
      method: "POST",
      headers: { authorization: `Bearer ${this.o.enrollToken}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    const r = json as TRegisterResponse;
    this.token = r.token;
    this.settingsVersion = r.settingsVersion;
  }

  /** Runs until the signal: heartbeats, the outbox, the claim loop. */
  run(): Promise<void> {
    return Promise.all([this.heartbeatLoop(), this.flushLoop(), this.claimLoop()]).then(() => {});
  }

  private sample(jobId: string | null): void {
    this.outbox.push({ at: new Date().toISOString(), usedMiB: USED_MIB, totalMiB: TOTAL_MIB, processMiB: 2_000, utilPct: jobId ? 50 : 0, jobId });
  }

  private flush(): Promise<void> {
    this.flushing ??= (async () => {
      if (this.outbox.length === 0) return;
      const batch = this.outbox;
      this.outbox = [];
      await this.post("POST samples", "samples", { samples: batch }).catch(() => {
        if (!this.o.signal.aborted) this.outbox.unshift(...batch); // kept for the next flush, as the outbox does
      });
    })().finally(() => (this.flushing = null));
    return this.flushing;
  }

  private async heartbeatLoop(): Promise<void> {
    const { signal } = this.o;
    // Real agents start at unrelated moments; so do these, spread over one interval.
    await sleep(Math.random() * HEARTBEAT_MS, signal);
    while (!signal.aborted) {
      const t0 = performance.now();
      // Idle, the beat carries the memory sample (sampleAt), as the shipped agent's does; one it did
      // not keep goes through the outbox.
      const idle = !this.active;
      let kept = false;
      try {
        const body = { memory: MEMORY, activeJobs: this.active ? [this.active] : [], appliedSettingsVersion: this.settingsVersion, ...(idle && { sampleAt: new Date().toISOString() }) };
        const { json } = await this.post("POST heartbeat", "heartbeat", body);
        this.settingsVersion = (json as THeartbeatResponse).settingsVersion;
        kept = (json as THeartbeatResponse).sampleStored === true;
      } catch {
        // recorded; the next beat tries again
      }
      if (idle && !kept) this.sample(null);
      await sleep(Math.max(0, HEARTBEAT_MS - (performance.now() - t0)), signal);
    }
  }

  private async flushLoop(): Promise<void> {
    const { signal } = this.o;
    await sleep(Math.random() * FLUSH_MS, signal);
    while (!signal.aborted) {
      await this.flush();
      await sleep(FLUSH_MS, signal);
    }
  }

  private async claimLoop(): Promise<void> {
    const { signal } = this.o;
    while (!signal.aborted) {
      let a: TAssignment;
      try {
        const res = await this.post("POST claim", "claim", { waitMs: CLAIM_WAIT_MS }, signal);
        if (res.status === 204) continue;
        a = res.json as TAssignment;
      } catch {
        if (!signal.aborted) await sleep(1_000, signal); // the agent backs off after a failed claim
        continue;
      }
      this.o.onClaim(a.jobId, nowMs());
      try {
        await this.runJob(a);
        this.completed++;
      } catch {
        // recorded by the failing call; the lease will expire and the job be retried
      }
      this.active = null;
      void this.flush();
    }
  }

  private async runJob(a: TAssignment): Promise<void> {
    if (a.fileBase64 === undefined) await timedCall(this.o.rec, "GET file", `${this.o.base}${a.filePath}`, { headers: { authorization: `Bearer ${this.token}` } });
    this.active = { jobId: a.jobId, attempt: a.attempt };
    // In-flight sampling as the agent's MemorySampler does it: one every SAMPLE_MS, and the "after" reading.
    const t0 = performance.now();
    const startedMsAgo = () => Math.round(performance.now() - t0);
    let started: Promise<unknown> | null = null;
    const reportStart = () => (started = this.post("POST start", `jobs/${a.jobId}/start`, { attempt: a.attempt, memory: MEMORY, startedMsAgo: startedMsAgo() }).catch(() => {}));
    if (this.o.startReportDelayMs === 0) await reportStart();
    const timer = this.o.startReportDelayMs > 0 ? setTimeout(reportStart, this.o.startReportDelayMs) : undefined;
    for (let next = SAMPLE_MS; next < this.o.workMs; next += SAMPLE_MS) {
      await sleep(next - (performance.now() - t0), this.o.signal);
      this.sample(a.jobId);
    }
    await sleep(this.o.workMs - (performance.now() - t0), this.o.signal);
    this.sample(a.jobId);
    clearTimeout(timer);
    if (started) await started;
    // The samples held ride the completion, as the shipped agent's do; back to the outbox unless kept.
    const samples = this.outbox;
    this.outbox = [];
    let kept = false;
    try {
      const { json } = await this.post("POST complete", `jobs/${a.jobId}/complete`, {
        attempt: a.attempt,
        result: RESULT,
        memory: { beforeMiB: USED_MIB, afterMiB: USED_MIB, peakMiB: USED_MIB + 500 },
        durationMs: this.o.workMs,
        samples,
        ...(started ? {} : { startedMsAgo: startedMsAgo() }),
      });
      kept = (json as TCompleteResponse | undefined)?.samplesStored === samples.length;
    } finally {
      if (!kept) this.outbox.unshift(...samples);
    }
  }
}
