// Memory telemetry for one node: nvidia-smi on a GPU node, host memory against a budget on a CPU node.
import { readFile } from "node:fs/promises";
import type { TMemoryReading } from "@headroom/protocol";
import { hostReading, parseMemInfo, sumRssMiB } from "./host-memory.ts";
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
  /**
   * The pids of the agent's runner processes now (every slot's runner; empty while none is up).
   * processMiB is their sum on the device (and, on a CPU node, their RSS is in usedMiB). Read on
   * every sample: runners are recycled.
   */
  runnerPids: () => readonly number[];
  /** The in-flight sample interval in force (ms): a GPU node's nvidia-smi stream prints a row this often. */
  sampleIntervalMs?: () => number;
};

/** A GPU node reads one long-lived nvidia-smi stream (nvidia-smi-reader.ts); a CPU node reads /proc. */
export function createMemoryReader(o: TMemoryReaderOptions): MemoryReader {
  if (o.gpuIndex === null) return new HostMemoryReader(o);
  return new NvidiaSmiReader({ gpuIndex: o.gpuIndex, runnerPids: o.runnerPids, ...(o.sampleIntervalMs && { intervalMs: o.sampleIntervalMs }) });
}

/** A process's /proc status, or null when it has just exited (it holds nothing any more). */
const procStatus = (pid: number): Promise<string | null> => readFile(`/proc/${pid}/status`, "utf8").catch(() => null);

class HostMemoryReader implements MemoryReader {
  constructor(private readonly o: TMemoryReaderOptions) {}

  async read(): Promise<TMemoryReading> {
    const pids = [...new Set(this.o.runnerPids())];
    const [statuses, meminfo] = await Promise.all([Promise.all(pids.map(procStatus)), readFile("/proc/meminfo", "utf8")]);
    return hostReading({
      runnerRssMiB: sumRssMiB(statuses),
      agentRssMiB: process.memoryUsage.rss() / 1048576,
      budgetMiB: this.o.cpuBudgetMiB,
      hostAvailableMiB: parseMemInfo(meminfo).availableMiB,
    });
  }
}
