import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { createMemoryReader, discoverGpus, runNvidiaSmi } from "./index.ts";

const hasNvidiaSmi = await runNvidiaSmi(["-L"]).then(
  () => true,
  () => false,
);

describe("telemetry on this machine", () => {
  it("discoverGpus never throws and returns well-formed entries", async () => {
    const gpus = await discoverGpus();
    if (!hasNvidiaSmi) expect(gpus).toEqual([]);
    for (const g of gpus) expect(g.totalMiB).toBeGreaterThan(0);
  });

  it("a CPU node reads real host memory, with this process standing in for the runner", async () => {
    const reader = createMemoryReader({ gpuIndex: null, cpuBudgetMiB: 4096, runnerPids: () => [process.pid] });
    const r = await reader.read();
    expect(r.source).toBe("host");
    expect(r.totalMiB).toBe(4096);
    expect(r.processMiB).toBeGreaterThan(10);
    // runner + agent are both this process here, so used is about twice the RSS
    expect(r.usedMiB).toBeGreaterThanOrEqual(r.processMiB! * 2 - 2);
    expect(r.freeMiB).toBeLessThanOrEqual(4096 - r.usedMiB);
  });

  it("a runner that has exited counts as 0 MiB", async () => {
    const reader = createMemoryReader({ gpuIndex: null, cpuBudgetMiB: 4096, runnerPids: () => [2 ** 22 + 1] });
    expect((await reader.read()).processMiB).toBe(0);
  });

  it("several runners: their RSS is summed, one that has exited counts 0", async () => {
    // A second Node process (idle, tens of MiB) stands in for another slot's runner.
    const kid = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000); process.send?.(0)"], { stdio: ["ignore", "ignore", "ignore", "ipc"] });
    try {
      await new Promise((r) => kid.once("message", r));
      const processMiB = async (pids: number[]) => (await createMemoryReader({ gpuIndex: null, cpuBudgetMiB: 4096, runnerPids: () => pids }).read()).processMiB!;
      const self = await processMiB([process.pid]);
      const other = await processMiB([kid.pid!]);
      const both = await processMiB([process.pid, kid.pid!, 2 ** 22 + 1]);
      expect(other).toBeGreaterThan(10);
      // RSS moves a little between reads (this process allocates); the sum is what is asserted.
      expect(Math.abs(both - (self + other))).toBeLessThanOrEqual(0.1 * (self + other) + 2);
      expect(both).toBeGreaterThan(Math.max(self, other) + 5);
    } finally {
      kid.kill("SIGKILL");
    }
  });

  it.runIf(hasNvidiaSmi)("a GPU node reads nvidia-smi", async () => {
    const r = await createMemoryReader({ gpuIndex: 0, cpuBudgetMiB: 0, runnerPids: () => [process.pid] }).read();
    expect(r.source).toBe("nvidia-smi");
    expect(r.totalMiB).toBeGreaterThan(0);
  });
});
