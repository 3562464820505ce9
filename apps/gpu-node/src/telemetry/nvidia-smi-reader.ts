// The GPU node's memory reader. One nvidia-smi per agent stays up and prints this GPU's row every
// interval (`-lms`), so NVML is initialised once, not twice per reading: spawning nvidia-smi for
// every reading (~8 spawns/s per agent during a job) slowed the runners' OCR on a 4×H200 host as
// more agents worked (README.md here has the numbers).
import type { ChildProcess } from "node:child_process";
import type { TMemoryReading } from "@headroom/protocol";
import { Backoff } from "../backoff.ts";
import { CSV_FORMAT, runNvidiaSmi, spawnNvidiaSmiStream } from "./nvidia-smi-exec.ts";
import { APPS_QUERY_FIELDS, GPU_QUERY_FIELDS, gpuReading, parseComputeApps, parseGpuQuery, selectGpu, type TAppRow, type TGpuRow } from "./nvidia-smi.ts";

export type TNvidiaSmiReaderOptions = {
  gpuIndex: number;
  /** The pids of the agent's runner processes now (empty while none is up). Read on every read(): runners are recycled. */
  runnerPids: () => readonly number[];
  /** The stream's row interval in ms, checked on each read(); a change restarts the stream. Default 250. */
  intervalMs?: () => number;
  /** A row older than this (ms) means a wedged stream: it is killed, and read() falls back to a one-shot query. */
  staleAfterMs?: number;
  /** How long read() waits for a new stream's first row (ms) before falling back. */
  firstRowWaitMs?: number;
  /** How long a per-process list is reused (ms) while the set of runner pids stays the same. */
  appsMaxAgeMs?: number;
  /** Delay before starting the stream again after it died or went stale. */
  restartBackoff?: Backoff;
};

const DEFAULT_INTERVAL_MS = 250;
const gpuArgs = (target: string) => [`--query-gpu=${GPU_QUERY_FIELDS}`, CSV_FORMAT, "-i", target];

class GpuRowStream {
  latest: { row: TGpuRow; atMs: number } | null = null;
  exited = false;
  /** Settles at the first row or when the process ends, whichever comes first. */
  readonly firstRow: Promise<void>;
  private readonly child: ChildProcess;

  constructor(
    private readonly gpuIndex: number,
    target: string,
    readonly intervalMs: number,
  ) {
    let settle = () => {};
    this.firstRow = new Promise((r) => (settle = r));
    this.child = spawnNvidiaSmiStream(
      [...gpuArgs(target), "-lms", String(intervalMs)],
      (line) => {
        // In loop mode nvidia-smi may also print driver events (Xid, ECC) between rows: skip them.
        try {
          const row = selectGpu(parseGpuQuery(line), this.gpuIndex);
          if (row) this.latest = { row, atMs: Date.now() };
          if (row) settle();
        } catch {
          /* not a row */
        }
      },
      () => {
        this.exited = true;
        settle();
      },
    );
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  kill(signal: NodeJS.Signals): void {
    if (!this.exited) this.child.kill(signal);
  }
}

export class NvidiaSmiReader {
  private stream: GpuRowStream | null = null;
  private restartAtMs = 0;
  private closed = false;
  private target: Promise<string> | null = null;
  private appsCache: { atMs: number; pids: string; apps: Promise<TAppRow[] | null> } | null = null;
  private readonly backoff: Backoff;

  constructor(private readonly o: TNvidiaSmiReaderOptions) {
    this.backoff = o.restartBackoff ?? new Backoff(1_000, 30_000);
  }

  async read(): Promise<TMemoryReading> {
    const pids = this.o.runnerPids();
    const [gpu, apps] = await Promise.all([this.deviceRow(), this.apps(pids)]);
    return gpuReading(gpu, apps, pids);
  }

  /** Ends the stream; later reads fall back to one-shot queries. */
  close(): void {
    this.closed = true;
    this.stream?.kill("SIGTERM");
    this.stream = null;
  }

  /** The live stream's pid, for tests and diagnostics. */
  get streamPid(): number | undefined {
    return this.stream && !this.stream.exited ? this.stream.pid : undefined;
  }

  private async deviceRow(): Promise<TGpuRow> {
    const target = await this.resolveTarget();
    const s = this.closed ? null : this.liveStream(target);
    if (s) {
      if (!s.latest && !s.exited) {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([s.firstRow, new Promise((r) => (timer = setTimeout(r, this.o.firstRowWaitMs ?? 3_000)))]);
        clearTimeout(timer);
      }
      const latest = s.latest;
      if (latest && !s.exited && Date.now() - latest.atMs <= (this.o.staleAfterMs ?? 2_000)) {
        this.backoff.reset();
        return latest.row;
      }
      this.retire(s); // dead, wedged or never started: try again after a backoff
    }
    const gpu = selectGpu(parseGpuQuery(await runNvidiaSmi(gpuArgs(target))), this.o.gpuIndex);
    if (!gpu) throw new Error(`nvidia-smi lists no GPU with index ${this.o.gpuIndex}`);
    return gpu;
  }

  /** The stream to read from, started (again) when none is up and the backoff allows; null meanwhile. */
  private liveStream(target: string): GpuRowStream | null {
    const intervalMs = this.o.intervalMs?.() ?? DEFAULT_INTERVAL_MS;
    if (this.stream?.exited) this.retire(this.stream);
    if (this.stream && this.stream.intervalMs !== intervalMs) {
      this.stream.kill("SIGTERM"); // the sample interval changed: restart at once, no backoff
      this.stream = null;
    }
    if (!this.stream && Date.now() >= this.restartAtMs) this.stream = new GpuRowStream(this.o.gpuIndex, target, intervalMs);
    return this.stream;
  }

  private retire(s: GpuRowStream): void {
    if (s !== this.stream) return;
    s.kill("SIGKILL");
    this.stream = null;
    this.restartAtMs = Date.now() + this.backoff.nextDelayMs();
  }

  /**
   * What `-i` names for this GPU: its index, or where the other cards are masked and the driver
   * renumbered the one visible card, that card's index (see selectGpu). Resolved once; a failure is retried.
   */
  private resolveTarget(): Promise<string> {
    this.target ??= (async () => {
      const mine = String(this.o.gpuIndex);
      const direct = await runNvidiaSmi(gpuArgs(mine)).catch(() => "");
      if (selectGpu(parseGpuQuery(direct), this.o.gpuIndex)) return mine;
      const gpu = selectGpu(parseGpuQuery(await runNvidiaSmi([`--query-gpu=${GPU_QUERY_FIELDS}`, CSV_FORMAT])), this.o.gpuIndex);
      if (!gpu) throw new Error(`nvidia-smi lists no GPU with index ${this.o.gpuIndex}`);
      return String(gpu.index);
    })().catch((err: unknown) => {
      this.target = null;
      throw err;
    });
    return this.target;
  }

  /**
   * The per-process list, for processMiB. It changes slowly (a runner's allocation grows with its
   * largest input and stays), so one is reused for appsMaxAgeMs unless the set of runner pids
   * changed (a runner recycled, or one more or fewer up). No runner, no query: processMiB is then 0
   * whatever the list says.
   */
  private apps(runnerPids: readonly number[]): Promise<TAppRow[] | null> {
    if (runnerPids.length === 0) return Promise.resolve([]);
    const pids = [...new Set(runnerPids)].sort((a, b) => a - b).join(",");
    const c = this.appsCache;
    if (c && c.pids === pids && Date.now() - c.atMs < (this.o.appsMaxAgeMs ?? 2_000)) return c.apps;
    // The list failing leaves the device numbers intact; processMiB is then unknown (null).
    const apps = this.resolveTarget()
      .then((t) => runNvidiaSmi([`--query-compute-apps=${APPS_QUERY_FIELDS}`, CSV_FORMAT, "-i", t]))
      .then(parseComputeApps, () => null);
    this.appsCache = { atMs: Date.now(), pids, apps };
    return apps;
  }
}
