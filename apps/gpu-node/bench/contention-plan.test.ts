import { describe, expect, it } from "vitest";
import { configLabel, contentionMatrix, parseCpuList, planWorkers, type THostGpu } from "./contention-plan.ts";

const gpus: THostGpu[] = [0, 1, 2, 3].map((index) => ({ index, minor: index, numaNode: index < 2 ? 0 : 1 }));
const nodes = new Map<number, number[]>([
  [0, [0, 1, 2, 3, 4, 5, 6, 7]],
  [1, [8, 9, 10, 11, 12, 13, 14, 15]],
  [-1, Array.from({ length: 16 }, (_, i) => i)],
]);
const base = { procsPerGpu: 1, threads: 4, pin: "near" as const, telemetry: false };

describe("planWorkers", () => {
  it("gives each process its own cores on its GPU's NUMA node", () => {
    const p = planWorkers({ ...base, gpus: 4 }, gpus, nodes);
    expect(p.map((l) => [l.gpu.index, l.cpus])).toEqual([[0, [0, 1, 2, 3]], [1, [4, 5, 6, 7]], [2, [8, 9, 10, 11]], [3, [12, 13, 14, 15]]]);
  });

  it("splits a node's cores among several processes per GPU", () => {
    const p = planWorkers({ ...base, gpus: 1, procsPerGpu: 3 }, gpus, nodes);
    expect(p.map((l) => l.cpus)).toEqual([[0, 1], [2, 3], [4, 5]]);
  });

  it("uses all the host's cores where the GPU shows no NUMA node, and leaves cores alone unpinned", () => {
    const lone: THostGpu[] = [{ index: 0, minor: 0, numaNode: -1 }];
    expect(planWorkers({ ...base, gpus: 1, procsPerGpu: 2 }, lone, nodes).map((l) => l.cpus?.length)).toEqual([8, 8]);
    expect(planWorkers({ ...base, gpus: 2, pin: "none" }, gpus, nodes).map((l) => l.cpus)).toEqual([null, null]);
  });

  it("refuses more GPUs than the host has", () => {
    expect(() => planWorkers({ ...base, gpus: 8 }, gpus, nodes)).toThrow(/8 GPUs asked for, the host shows 4/);
  });
});

describe("parseCpuList and contentionMatrix", () => {
  it("reads /sys cpulists", () => expect(parseCpuList("0-3,8,10-11\n")).toEqual([0, 1, 2, 3, 8, 10, 11]));
  it("goes over the GPU counts the host has, for each variant", () => {
    const m = contentionMatrix(4, { procsPerGpu: [1], threads: [4], pins: ["none", "near"], telemetry: [true] });
    expect(m.map((c) => `${c.gpus} ${configLabel(c)}`)).toEqual([
      "1 1 proc/GPU, 4 threads, pin none, telemetry on", "2 1 proc/GPU, 4 threads, pin none, telemetry on", "4 1 proc/GPU, 4 threads, pin none, telemetry on",
      "1 1 proc/GPU, 4 threads, pin near, telemetry on", "2 1 proc/GPU, 4 threads, pin near, telemetry on", "4 1 proc/GPU, 4 threads, pin near, telemetry on",
    ]);
  });
});
