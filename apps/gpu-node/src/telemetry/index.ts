// Memory telemetry for one node: nvidia-smi on a GPU node, host memory against a budget on a CPU node.
import { readFile } from "node:fs/promises";
import type { TMemoryReading } from "@headroom/protocol";
import { hostReading, parseMemInfo, parseVmRssMiB } from "./host-memory.ts";
import { CSV_FORMAT, runNvidiaSmi } from "./nvidia-smi-exec.ts";
import { NvidiaSmiReader } from "./nvidia-smi-reader.ts";
import { DISCOVER_QUERY_FIELDS, parseDiscover, type TDiscoveredGpu } from "./nvidia-smi.ts";

export type { TDiscoveredGpu } from "./nvidia-smi.ts";
export * from "./host-memory.ts";
export * from "./nvidia-smi.ts";
export { runNvidiaSmi } from "./nvidia-smi-exec.ts";
export { NvidiaSmiReader, type TNvidiaSmiReaderOptions } from "./nvidia-smi-reader.ts";

/** GPUs on this host, for deciding how many agents to start. Empty on a host without nvidia-smi or GPUs; never throws. */
export async function discoverGpus(): Promise<TDiscoveredGpu[]> {
  try {
    return parseDiscover(await runNvidiaSmi([`--query-gpu=${DISCOVER_QUERY_FIELDS}`, CSV_FORMAT]));
  } catch {
    return [];
  }
}

export interface MemoryReader {
  read(): Promise<TMemoryReading>;
  /** Ends what the reader keeps running (the GPU node's nvidia-smi stream); reads after it still work. */
  close?(): void;
}

export type TMemoryReaderOptions = {
  gpuIndex: number | null;
  cpuBudgetMiB: number;
  /** The runner child's pid now, or null while it is down. Read on every sample: the runner is recycled. */
  runnerPid: () => number | null;
  /** The in-flight sample interval in force (ms): a GPU node's nvidia-smi stream prints a row this often. */
  sampleIntervalMs?: () => number;
};

/** A GPU node reads one long-lived nvidia-smi stream (nvidia-smi-reader.ts); a CPU node reads /proc. */
export function createMemoryReader(o: TMemoryReaderOptions): MemoryReader {
  if (o.gpuIndex === null) return new HostMemoryReader(o);
  return new NvidiaSmiReader({ gpuIndex: o.gpuIndex, runnerPid: o.runnerPid, ...(o.sampleIntervalMs && { intervalMs: o.sampleIntervalMs }) });
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
