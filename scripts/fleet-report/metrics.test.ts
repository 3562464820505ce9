import { describe, expect, it } from "vitest";
import { jobOverhead, memoryPeaks, memoryRules, phaseWorkload, placement, scaling, stageMediansByKind, stageMediansPerPage, stageNames, throughput, wallSeconds } from "./metrics.ts";
import { at, dumpJob, dumpNode, jobEvent, nodeEvent, phase, sample } from "./test-phase.ts";

describe("throughput", () => {
  const p = phase({
    nodes: [dumpNode({ name: "gpu0" }), dumpNode({ name: "gpu1", gpuIndex: 1 })],
    jobs: [
      dumpJob({ id: "a", nodeName: "gpu0", pages: 1, createdAt: at(0), finishedAt: at(4) }),
      dumpJob({ id: "b", nodeName: "gpu1", pages: 3, createdAt: at(1), finishedAt: at(10) }),
      dumpJob({ id: "c", nodeName: "gpu1", status: "FAILED", errorCode: "GPU_OOM", pages: 5, createdAt: at(2), finishedAt: at(6) }),
    ],
  });

  it("counts only succeeded pages over the phase's wall time", () => {
    const t = throughput(p);
    expect(wallSeconds(p)).toBe(10);
    expect(t).toMatchObject({ gpus: 2, jobs: 3, succeeded: 2, failed: 1, pages: 4, wallS: 10, pagesPerS: 0.4, pagesPerSPerGpu: 0.2 });
    expect(t.perNode).toEqual([
      { name: "gpu0", jobs: 1, pages: 1, pagesPerS: 0.1 },
      { name: "gpu1", jobs: 1, pages: 3, pagesPerS: 0.3 },
    ]);
    expect(t.latencyP50S).toBe(6.5);
    expect(t.latencyP95S).toBe(8.75);
  });

  it("takes latency quantiles from upload to result over succeeded jobs only", () => {
    const jobs = Array.from({ length: 21 }, (_, i) => dumpJob({ createdAt: at(0), finishedAt: at(i + 1) }));
    const t = throughput(phase({ jobs: [...jobs, dumpJob({ status: "FAILED", createdAt: at(0), finishedAt: at(500) })] }));
    expect([t.latencyP50S, t.latencyP90S, t.latencyP95S]).toEqual([11, 19, 20]);
  });

  it("takes the GPU count from the phase config when the orchestrator set one", () => {
    expect(throughput({ ...p, config: { gpus: 4 } }).gpus).toBe(4);
  });

  it("has no rates for a phase where nothing finished", () => {
    const t = throughput(phase({ jobs: [dumpJob({ status: "QUEUED", finishedAt: null })] }));
    expect(t).toMatchObject({ wallS: null, pagesPerS: null, pagesPerSPerGpu: null, latencyP50S: null });
  });
});

describe("scaling", () => {
  it.each([
    {
      name: "against the first one-GPU phase",
      rows: [{ label: "gpu1", gpus: 1, pagesPerS: 2 }, { label: "gpu2", gpus: 2, pagesPerS: 3.6 }, { label: "gpu4", gpus: 4, pagesPerS: 6 }],
      want: [[1, 1], [1.8, 0.9], [3, 0.75]],
    },
    { name: "without a baseline", rows: [{ label: "gpu2", gpus: 2, pagesPerS: 3 }], want: [[null, null]] },
    {
      name: "each workload against its own one-GPU phase",
      rows: [
        { label: "gpu1", gpus: 1, pagesPerS: 2, workload: "mixed" },
        { label: "gpu1-a4", gpus: 1, pagesPerS: 4, workload: "a4-150dpi" },
        { label: "gpu2", gpus: 2, pagesPerS: 3, workload: "mixed" },
        { label: "gpu2-a4", gpus: 2, pagesPerS: 6, workload: "a4-150dpi" },
        { label: "gpu2-scan", gpus: 2, pagesPerS: 1, workload: "scan4000x3000" },
      ],
      want: [[1, 1], [1, 1], [1.5, 0.75], [1.5, 0.75], [null, null]],
    },
    { name: "a phase with no rate", rows: [{ label: "gpu1", gpus: 1, pagesPerS: 2 }, { label: "gpu2", gpus: 2, pagesPerS: null }], want: [[1, 1], [null, null]] },
  ])("$name", ({ rows, want }) => {
    expect(scaling(rows).map((r) => [r.speedup, r.efficiency])).toEqual(want);
  });
});

describe("phaseWorkload", () => {
  it.each([
    { config: { workload: "a4-150dpi" }, want: "a4-150dpi" },
    { config: { workload: "mixed" }, want: "mixed" },
    // Runs made before subsets offered the whole workload.
    { config: {}, want: "mixed" },
    { config: undefined, want: "mixed" },
  ])("$config → $want", ({ config, want }) => {
    expect(phaseWorkload({ ...phase(), config })).toBe(want);
  });
});

describe("memoryPeaks", () => {
  it("takes the largest runner and device MiB any agent reported", () => {
    const p = phase({
      samples: [
        sample({ nodeName: "gpu0", usedMiB: 2000, processMiB: 900 }),
        sample({ nodeName: "gpu1", usedMiB: 1500, processMiB: 1300 }),
        sample({ nodeName: "gpu0", usedMiB: 2600, processMiB: null }),
        sample({ nodeName: "gpu1", usedMiB: 1200, processMiB: 1100 }),
      ],
    });
    expect(memoryPeaks(p)).toEqual({ runnerPeakMiB: 1300, devicePeakMiB: 2600 });
  });

  it.each([
    { name: "no samples", samples: [], want: { runnerPeakMiB: null, devicePeakMiB: null } },
    { name: "no per-process reading", samples: [sample({ usedMiB: 700, processMiB: null })], want: { runnerPeakMiB: null, devicePeakMiB: 700 } },
    { name: "no runner up", samples: [sample({ usedMiB: 300, processMiB: 0 })], want: { runnerPeakMiB: 0, devicePeakMiB: 300 } },
  ])("$name", ({ samples, want }) => {
    expect(memoryPeaks(phase({ samples }))).toEqual(want);
  });
});

describe("placement", () => {
  const placed = (nodeName: string, headroomMiB: number, rejectedCounts: Record<string, number> = {}) =>
    jobEvent({ type: "placed", nodeName, data: { predictedPeakMiB: 800, chosen: { headroomMiB }, rejectedCounts } });

  it("summarises the headroom each decision saw on the chosen node", () => {
    const s = placement(
      phase({
        jobEvents: [placed("gpu0", 7000), placed("gpu1", 5000, { "at its concurrency limit (N)": 1 }), placed("gpu0", 3000, { "at its concurrency limit (N)": 1 }), jobEvent({ type: "started" })],
        jobs: [
          dumpJob({ createdAt: at(0), placedAt: at(1) }),
          dumpJob({ createdAt: at(0), placedAt: at(3) }),
          dumpJob({ status: "QUEUED", placedAt: null, unschedulableReason: "No node has 900 MiB of headroom for this job (best: 812 MiB)" }),
        ],
      }),
    );
    expect(s).toMatchObject({
      decisions: 3,
      jobsPerNode: { gpu0: 2, gpu1: 1 },
      headroomMinMiB: 3000,
      headroomMedianMiB: 5000,
      headroomMaxMiB: 7000,
      predictedPeakMedianMiB: 800,
      waitP50S: 2,
      unplaced: { "No node has N MiB of headroom for this job (best: N MiB)": 1 },
      passedOver: { "at its concurrency limit (N)": 2 },
    });
  });

  it("copes with placement data it does not recognise", () => {
    expect(placement(phase({ jobEvents: [jobEvent({ data: null }), jobEvent({ data: { chosen: "?" } })] }))).toMatchObject({ decisions: 2, headroomMedianMiB: null });
  });
});

describe("memoryRules", () => {
  it("counts each rule's events and the MiB cleanups gave back", () => {
    const m = memoryRules(
      phase({
        nodeEvents: [
          nodeEvent({ type: "cleanup", freedMiB: 300 }),
          nodeEvent({ type: "cleanup", freedMiB: 100 }),
          nodeEvent({ type: "cleanup", freedMiB: null }),
          nodeEvent({ type: "sweep", freedMiB: 50 }),
          nodeEvent({ type: "runner_restart" }),
          nodeEvent({ type: "oom", data: { cap: true } }),
          nodeEvent({ type: "oom", data: { reason: "cudaMalloc" } }),
          nodeEvent({ type: "refusal" }),
        ],
        jobEvents: [jobEvent({ type: "refused" }), jobEvent({ type: "retried" }), jobEvent({ type: "retried" }), jobEvent({ type: "lease_expired" })],
        jobs: [dumpJob({ status: "FAILED", errorCode: "GPU_OOM" }), dumpJob({ status: "FAILED", errorCode: null }), dumpJob()],
      }),
    );
    expect(m).toEqual({
      label: "gpu1",
      refusals: 1,
      cleanups: 3,
      cleanupFreedSumMiB: 400,
      cleanupFreedMedianMiB: 200,
      sweeps: 1,
      sweepFreedSumMiB: 50,
      runnerRestarts: 1,
      runnerRestartsByReason: { unknown: 1 },
      ooms: 2,
      overCapAborts: 1,
      retries: 2,
      leaseExpiries: 1,
      failedByCode: { GPU_OOM: 1, unknown: 1 },
    });
  });
});

describe("stage times", () => {
  const p = phase({
    jobs: [
      dumpJob({ pages: 1, timings: { decode: 10, detect: 100, recognize: 50, quantize: 1, totalMs: 170 } }),
      dumpJob({ pages: 2, timings: { decode: 40, detect: 400, recognize: 100, totalMs: 560 } }),
      dumpJob({ status: "FAILED", timings: { decode: 1000 } }),
    ],
  });

  it("orders stages as the pipeline runs them, unknown ones after, the total last", () => {
    expect(stageNames([p])).toEqual(["decode", "detect", "recognize", "quantize", "totalMs"]);
  });

  it("takes medians per page over succeeded jobs", () => {
    expect(stageMediansPerPage(p, ["decode", "detect", "quantize", "crop"])).toEqual({ decode: 15, detect: 150, quantize: 1, crop: null });
  });

  it("splits the medians by the workload kind in each file's name, leaving out names of no kind", () => {
    const mixed = phase({
      jobs: [
        dumpJob({ fileName: "receipt-0001.jpg", timings: { detect: 50 } }),
        dumpJob({ fileName: "receipt-0002.png", timings: { detect: 70 } }),
        dumpJob({ fileName: "doc-0001.pdf", pages: 4, timings: { detect: 400 } }),
        dumpJob({ fileName: "doc-0002.pdf", status: "FAILED", timings: { detect: 9000 } }),
        dumpJob({ fileName: "upload.jpg", timings: { detect: 1 } }),
      ],
    });
    expect(stageMediansByKind(mixed, ["detect"])).toEqual([
      { label: mixed.label, kind: "pdf", jobs: 1, medians: { detect: 100 } },
      { label: mixed.label, kind: "receipt", jobs: 2, medians: { detect: 60 } },
    ]);
  });
});

describe("around the OCR", () => {
  it("takes the time outside the runner's stages, and the gaps between a node's jobs", () => {
    const p = phase({
      jobs: [
        dumpJob({ nodeName: "gpu0", startedAt: at(0), finishedAt: at(1), timings: { totalMs: 900 } }),
        dumpJob({ nodeName: "gpu0", startedAt: at(1.2), finishedAt: at(2), timings: { totalMs: 700 } }),
        dumpJob({ nodeName: "gpu0", startedAt: at(2.4), finishedAt: at(3), timings: { totalMs: 500 } }),
        dumpJob({ nodeName: "gpu1", startedAt: at(0), finishedAt: at(1), timings: null }),
        dumpJob({ status: "FAILED", nodeName: "gpu1", startedAt: at(5), finishedAt: at(6), timings: { totalMs: 0 } }),
      ],
    });
    expect(jobOverhead(p)).toEqual({ label: p.label, outsideOcrP50Ms: 100, betweenJobsP50Ms: 300 });
  });

  it("leaves out nodes whose jobs overlapped (runner slots)", () => {
    const p = phase({
      jobs: [
        dumpJob({ nodeName: "gpu0", startedAt: at(0), finishedAt: at(2) }),
        dumpJob({ nodeName: "gpu0", startedAt: at(1), finishedAt: at(3) }),
      ],
    });
    expect(jobOverhead(p).betweenJobsP50Ms).toBeNull();
  });
});
