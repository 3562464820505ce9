// Parsing nvidia-smi's CSV output (always queried with --format=csv,noheader,nounits). Pure, so the
// exact text the driver prints can be table-tested; running the binary lives in nvidia-smi-exec.ts.
import type { TMemoryReading } from "@headroom/protocol";

/** `--query-gpu=` fields for a device reading. pci.bus_id lets us match the per-process list on multi-GPU hosts. */
export const GPU_QUERY_FIELDS = "index,pci.bus_id,memory.used,memory.total,memory.free,utilization.gpu";
export const APPS_QUERY_FIELDS = "pid,gpu_bus_id,used_memory";
/** name goes last: it is free text, so everything after the second comma belongs to it. */
export const DISCOVER_QUERY_FIELDS = "index,memory.total,name";

export type TGpuRow = { index: number; busId: string; usedMiB: number; totalMiB: number; freeMiB: number; utilPct: number | null };
export type TAppRow = { pid: number; busId: string; usedMiB: number | null };
export type TDiscoveredGpu = { index: number; name: string; totalMiB: number };

const lines = (text: string) =>
  text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);
const cells = (line: string) => line.split(",").map((c) => c.trim());

/** nvidia-smi prints "[N/A]" (or "N/A", "[Not Supported]") where a value is unavailable, e.g. utilisation under MIG. */
function optionalNumber(cell: string | undefined): number | null {
  if (cell === undefined || /^\[?(n\/a|not supported|unknown error)\]?$/i.test(cell)) return null;
  const n = Number(cell.replace(/\s*MiB$/i, ""));
  return Number.isFinite(n) ? n : null;
}
function requiredNumber(cell: string | undefined, what: string, line: string): number {
  const n = optionalNumber(cell);
  if (n === null) throw new Error(`nvidia-smi: cannot read ${what} from "${line}"`);
  return n;
}
/** Bus ids print as "00000000:18:00.0" in both queries; normalise case so they compare equal anyway. */
const normBusId = (s: string) => s.toLowerCase();

export function parseGpuQuery(text: string): TGpuRow[] {
  return lines(text).map((line) => {
    const [index, busId, used, total, free, util] = cells(line);
    return {
      index: requiredNumber(index, "index", line),
      busId: normBusId(busId ?? ""),
      usedMiB: requiredNumber(used, "memory.used", line),
      totalMiB: requiredNumber(total, "memory.total", line),
      freeMiB: requiredNumber(free, "memory.free", line),
      utilPct: optionalNumber(util),
    };
  });
}

export function parseComputeApps(text: string): TAppRow[] {
  // "No running processes found" is what older drivers print instead of an empty list.
  return lines(text)
    .filter((l) => !/^no running/i.test(l))
    .map((line) => {
      const [pid, busId, used] = cells(line);
      return { pid: requiredNumber(pid, "pid", line), busId: normBusId(busId ?? ""), usedMiB: optionalNumber(used) };
    });
}

export function parseDiscover(text: string): TDiscoveredGpu[] {
  return lines(text).flatMap((line) => {
    const [index, total, ...name] = cells(line);
    const i = optionalNumber(index);
    const t = optionalNumber(total);
    return i === null || t === null ? [] : [{ index: i, totalMiB: t, name: name.join(", ") }];
  });
}

/** Pick this agent's GPU out of the device list. */
export function selectGpu(rows: TGpuRow[], gpuIndex: number): TGpuRow | undefined {
  // Where the other /dev/nvidiaK nodes are masked (one agent per GPU, see GPU-HOST.md) the driver
  // renumbers the one visible card as 0, so a lone row is ours whatever its index.
  return rows.find((r) => r.index === gpuIndex) ?? (rows.length === 1 ? rows[0] : undefined);
}

/**
 * One reading from the device list and the per-process list. processMiB is what the agent's runner
 * processes (runnerPids: every slot's runner, see agent.ts) hold on this GPU, summed: 0 when the
 * driver lists none of them (no runner, or one that has not touched the GPU, e.g. after falling back
 * to the CPU provider), null when the per-process list could not be read or hides the usage of one
 * of them.
 */
export function gpuReading(gpu: TGpuRow, apps: TAppRow[] | null, runnerPids: readonly number[]): TMemoryReading {
  let processMiB: number | null = null;
  if (apps !== null) {
    const pids = new Set(runnerPids);
    const mine = apps.filter((a) => pids.has(a.pid) && (a.busId === "" || gpu.busId === "" || a.busId === gpu.busId));
    processMiB = mine.some((a) => a.usedMiB === null) ? null : mine.reduce((sum, a) => sum + (a.usedMiB ?? 0), 0);
  }
  return {
    usedMiB: Math.round(gpu.usedMiB),
    totalMiB: Math.round(gpu.totalMiB),
    freeMiB: Math.round(gpu.freeMiB),
    processMiB,
    utilPct: gpu.utilPct,
    source: "nvidia-smi",
  };
}
