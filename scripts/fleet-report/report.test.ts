import { describe, expect, it } from "vitest";
import { chartJobs, renderReport, runNames, slug } from "./report.ts";
import { at, dumpJob, dumpNode, phase, sample } from "./test-phase.ts";
import type { TFleetRun } from "./types.ts";

const run: TFleetRun = {
  host: { name: "h1", gpus: [{ index: 0, name: "H100", totalMiB: 81_559 }], cpuCores: 16, date: "2026-01-01" },
  command: "fleet --phases gpu1,gpu2",
  phases: [
    { ...phase({ label: "gpu1", jobs: [dumpJob({ finishedAt: at(10) })] }), config: {} },
    { ...phase({ label: "gpu2", nodes: [dumpNode(), dumpNode({ name: "gpu1" })], jobs: [dumpJob({ pages: 4, finishedAt: at(10) })] }), config: {} },
    { ...phase({ label: "empty", nodes: [] }), config: {} },
    {
      ...phase({
        label: "gpu1-a4",
        jobs: Array.from({ length: 20 }, (_, i) => dumpJob({ id: `a${i}`, fileName: "a4-0001.jpg", createdAt: at(0), finishedAt: at(i + 1) })),
        samples: [sample({ usedMiB: 3000, processMiB: 1200 }), sample({ usedMiB: 3500, processMiB: 1100 })],
      }),
      config: { kind: "gpu", gpus: 1, workload: "a4-150dpi" },
    },
    {
      ...phase({ label: "cpu2-a4", nodes: [dumpNode({ name: "cpu0" }), dumpNode({ name: "cpu1" })], jobs: [dumpJob({ nodeName: "cpu0", fileName: "a4-0001.jpg", finishedAt: at(20) })] }),
      config: { kind: "cpu", agents: 2, workload: "a4-150dpi" },
    },
  ],
};

describe("names", () => {
  it.each([
    ["tight-2GiB", "tight-2gib"],
    ["kill runner!", "kill-runner"],
    ["---", "x"],
  ])("slug(%s) = %s", (s, want) => expect(slug(s)).toBe(want));

  it("names runs after their files, keeping duplicates apart", () => {
    expect(runNames(["/a/run-a.json.gz", "b/run-a.json.gz", "h100.json"])).toEqual(["run-a", "run-a-2", "h100"]);
  });

  it("makes one chart per phase that has nodes", () => {
    expect(chartJobs([{ name: "r", run }]).map((c) => c.fileName)).toEqual(["r-gpu1-memory.png", "r-gpu2-memory.png", "r-gpu1-a4-memory.png", "r-cpu2-a4-memory.png"]);
  });
});

describe("renderReport", () => {
  const md = renderReport([{ name: "r", run }], (f) => `fleet/${f}`, new Date("2026-01-02T00:00:00Z"));

  it("has a throughput row per phase and scaling against one GPU", () => {
    expect(md).toContain("| gpu1 | 1 GPU | mixed | 1 | 1 | 0 | 1 | 10 | 0.1 | 0.1 | 10 | 10 | 10 | – | – |");
    expect(md).toContain("| gpu2 | 2 | 0.4 | 4 | 200 % |");
  });

  it("tells a subset phase's pages apart, with latency p95 and the memory peaks of its samples", () => {
    expect(md).toContain("| gpu1-a4 | 1 GPU | a4-150dpi | 20 | 20 | 0 | 20 | 20 | 1 | 1 | 10.5 | 18.1 | 19.05 | 1200 | 3500 |");
    expect(md).toContain("| cpu2-a4 | 2 CPU | a4-150dpi | 1 | 1 | 0 | 1 | 20 | 0.05 | 0.03 | 20 | 20 | 20 | – | – |");
  });

  it("scales each workload against its own one-GPU phase, and leaves CPU phases out", () => {
    expect(md).toContain("| gpu1-a4 | 1 | 1 | 1 | 100 % |");
    expect(md).not.toMatch(/\| cpu2-a4 \| 2 \| 0\.05 \|/);
  });

  it("links the charts", () => {
    expect(md).toContain("![r · gpu2: device memory per node](fleet/r-gpu2-memory.png)");
  });
});
