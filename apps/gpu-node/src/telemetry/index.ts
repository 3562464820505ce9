// Memory telemetry for one node: nvidia-smi on a GPU node, host memory against a budget on a CPU node.
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import type { TMemoryReading } from "@headroom/protocol";
import { hostReading, parseMemInfo, parseVmRssMiB } from "./host-memory.ts";
import {
  APPS_QUERY_FIELDS,
  DISCOVER_QUERY_FIELDS,
  GPU_QUERY_FIELDS,
  gpuReading,
  parseComputeApps,
  parseDiscover,
  parseGpuQuery,
  selectGpu,
  type TDiscoveredGpu,
} from "./nvidia-smi.ts";

export type { TDiscoveredGpu } from "./nvidia-smi.ts";
export * from "./host-memory.ts";
export * from "./nvidia-smi.ts";

// A healthy nvidia-smi answers in well under a second; a wedged driver can hang it for minutes,
// and a reading that late is useless for admission anyway.
const NVIDIA_SMI_TIMEOUT_MS = 5_000;

export function runNvidiaSmi(args: string[], timeoutMs = NVIDIA_SMI_TIMEOUT_MS): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile("nvidia-smi", args, { timeout: timeoutMs, maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`nvidia-smi ${args.join(" ")} failed: ${String(stderr).trim() || err.message}`));
      else resolve(stdout);
    });
  });
}

/** GPUs on this host, for deciding how many agents to start. Empty on a host without nvidia-smi or GPUs; never throws. */
export async function discoverGpus(): Promise<TDiscoveredGpu[]> {
  try {
    return parseDiscover(await runNvidiaSmi([`--query-gpu=${DISCOVER_QUERY_FIELDS}`, "--format=csv,noheader,nounits"]));
  } catch {
    return [];
  }
}

export interface MemoryReader {
  read(): Promise<TMemoryReading>;
}

export type TMemoryReaderOptions = {
  gpuIndex: number | null;
  cpuBudgetMiB: number;
  /** The runner child's pid now, or null while it is down. Read on every sample: the runner is recycled. */
  runnerPid: () => number | null;
};

export function createMemoryReader(o: TMemoryReaderOptions): MemoryReader {
  return o.gpuIndex === null ? new HostMemoryReader(o) : new NvidiaSmiReader(o.gpuIndex, o.runnerPid);
}

class NvidiaSmiReader implements MemoryReader {
  constructor(
    private readonly gpuIndex: number,
    private readonly runnerPid: () => number | null,
  ) {}

  async read(): Promise<TMemoryReading> {
    const [gpuText, appsText] = await Promise.allSettled([
      runNvidiaSmi([`--query-gpu=${GPU_QUERY_FIELDS}`, "--format=csv,noheader,nounits"]),
      runNvidiaSmi([`--query-compute-apps=${APPS_QUERY_FIELDS}`, "--format=csv,noheader,nounits"]),
    ]);
    if (gpuText.status === "rejected") throw gpuText.reason;
    const gpu = selectGpu(parseGpuQuery(gpuText.value), this.gpuIndex);
    if (!gpu) throw new Error(`nvidia-smi lists no GPU with index ${this.gpuIndex}`);
    // The per-process list failing leaves the device numbers intact; processMiB is then unknown.
    const apps = appsText.status === "fulfilled" ? parseComputeApps(appsText.value) : null;
    return gpuReading(gpu, apps, this.runnerPid());
  }
}

async function rssMiB(pid: number): Promise<number> {
  try {
    return parseVmRssMiB(await readFile(`/proc/${pid}/status`, "utf8")) ?? 0;
  } catch {
    return 0; // the process just exited: it holds nothing any more
  }
}

class HostMemoryReader implements MemoryReader {
  constructor(private readonly o: TMemoryReaderOptions) {}

  async read(): Promise<TMemoryReading> {
    const pid = this.o.runnerPid();
    const [runnerRssMiB, meminfo] = await Promise.all([pid === null ? 0 : rssMiB(pid), readFile("/proc/meminfo", "utf8")]);
    return hostReading({
      runnerRssMiB,
      agentRssMiB: process.memoryUsage.rss() / 1048576,
      budgetMiB: this.o.cpuBudgetMiB,
      hostAvailableMiB: parseMemInfo(meminfo).availableMiB,
    });
  }
}
