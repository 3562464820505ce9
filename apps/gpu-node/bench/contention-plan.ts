/**
 * Which worker processes a contention configuration starts, on which GPU and which cores. Pure, so
 * the plan for an 8-GPU host can be tested on a machine without one.
 */

/** A GPU as the host shows it: its nvidia-smi index, its /dev/nvidiaN minor, and its NUMA node (-1: none shown). */
export type THostGpu = { index: number; minor: number | null; numaNode: number };

export type TContentionConfig = {
  /** How many GPUs are busy (the first N). */
  gpus: number;
  procsPerGpu: number;
  /** ORT intra-op threads per process. */
  threads: number;
  /** none: the scheduler's choice; near: each process on its own cores of its GPU's NUMA node (all cores where none is shown). */
  pin: "none" | "near";
  /** The agent's nvidia-smi stream, one per busy GPU, at the in-flight sample interval. */
  telemetry: boolean;
};

export type TWorkerLaunch = { gpu: THostGpu; slot: number; cpus: number[] | null };

/** `cpusByNode`: the cores of each NUMA node (node -1: all of the host's). */
export function planWorkers(c: TContentionConfig, gpus: readonly THostGpu[], cpusByNode: ReadonlyMap<number, readonly number[]>): TWorkerLaunch[] {
  if (c.gpus > gpus.length) throw new Error(`${c.gpus} GPUs asked for, the host shows ${gpus.length}`);
  const busy = gpus.slice(0, c.gpus);
  const launches: TWorkerLaunch[] = busy.flatMap((gpu) => Array.from({ length: c.procsPerGpu }, (_, slot) => ({ gpu, slot, cpus: null as number[] | null })));
  if (c.pin === "none") return launches;
  // The processes that share a NUMA node split its cores evenly, in order, each at least one core.
  const nodeOf = (g: THostGpu) => (cpusByNode.has(g.numaNode) ? g.numaNode : -1);
  const sharing = new Map<number, TWorkerLaunch[]>();
  for (const l of launches) sharing.set(nodeOf(l.gpu), [...(sharing.get(nodeOf(l.gpu)) ?? []), l]);
  for (const [node, group] of sharing) {
    const cores = cpusByNode.get(node) ?? [];
    if (cores.length === 0) throw new Error(`NUMA node ${node} lists no cores`);
    const per = Math.max(1, Math.floor(cores.length / group.length));
    group.forEach((l, i) => {
      const start = (i * per) % cores.length;
      l.cpus = cores.slice(start, start + per);
    });
  }
  return launches;
}

/** A /sys cpulist ("0-7,16-23") as core numbers. */
export function parseCpuList(list: string): number[] {
  return list
    .trim()
    .split(",")
    .filter(Boolean)
    .flatMap((part) => {
      const [a, b] = part.split("-").map(Number);
      return b === undefined ? [a!] : Array.from({ length: b - a! + 1 }, (_, i) => a! + i);
    });
}

/** The configurations of a run: every GPU count up to the host's (1, 2, 4, 8), each with the variants. */
export function contentionMatrix(hostGpus: number, o: { procsPerGpu: number[]; threads: number[]; pins: Array<"none" | "near">; telemetry: boolean[] }): TContentionConfig[] {
  const counts = [1, 2, 4, 8].filter((n) => n <= hostGpus);
  const out: TContentionConfig[] = [];
  for (const procsPerGpu of o.procsPerGpu)
    for (const threads of o.threads)
      for (const pin of o.pins)
        for (const telemetry of o.telemetry)
          for (const gpus of counts) out.push({ gpus, procsPerGpu, threads, pin, telemetry });
  return out;
}

export const configLabel = (c: TContentionConfig) => `${c.procsPerGpu} proc/GPU, ${c.threads} threads, pin ${c.pin}, telemetry ${c.telemetry ? "on" : "off"}`;
