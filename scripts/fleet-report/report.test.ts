import { describe, expect, it } from "vitest";
import { chartJobs, renderReport, runNames, slug } from "./report.ts";
import { at, dumpJob, dumpNode, phase } from "./test-phase.ts";
import type { TFleetRun } from "./types.ts";

const run: TFleetRun = {
  host: { name: "h1", gpus: [{ index: 0, name: "H100", totalMiB: 81_559 }], cpuCores: 16, date: "2026-01-01" },
  command: "fleet --phases gpu1,gpu2",
  phases: [
    { ...phase({ label: "gpu1", jobs: [dumpJob({ finishedAt: at(10) })] }), config: {} },
    { ...phase({ label: "gpu2", nodes: [dumpNode(), dumpNode({ name: "gpu1" })], jobs: [dumpJob({ pages: 4, finishedAt: at(10) })] }), config: {} },
    { ...phase({ label: "empty", nodes: [] }), config: {} },
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
    expect(chartJobs([{ name: "r", run }]).map((c) => c.fileName)).toEqual(["r-gpu1-memory.png", "r-gpu2-memory.png"]);
  });
});

describe("renderReport", () => {
  const md = renderReport([{ name: "r", run }], (f) => `fleet/${f}`, new Date("2026-01-02T00:00:00Z"));

  it("has a throughput row per phase and scaling against one GPU", () => {
    expect(md).toContain("| gpu1 | 1 GPU | 1 | 1 | 0 | 1 | 10 | 0.1 | 0.1 |");
    expect(md).toContain("| gpu2 | 2 | 0.4 | 4 | 200 % |");
  });

  it("links the charts", () => {
    expect(md).toContain("![r · gpu2: device memory per node](fleet/r-gpu2-memory.png)");
  });
});
