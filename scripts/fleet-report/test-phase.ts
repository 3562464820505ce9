// A small hand-made phase for the unit tests: rows with defaults, overridable per test.
import type { TDumpJob, TDumpJobEvent, TDumpNode, TDumpNodeEvent, TDumpSample, TPhaseDump } from "./types.ts";

export const T0 = "2026-01-01T00:00:00.000Z";
export const at = (s: number) => new Date(Date.parse(T0) + s * 1000).toISOString();

export function dumpNode(over: Partial<TDumpNode> = {}): TDumpNode {
  return {
    name: "gpu0",
    kind: "GPU",
    gpuIndex: 0,
    gpuName: "H100",
    provider: "webgpu",
    model: "ppocr-v4",
    totalMiB: 10_000,
    thresholds: { admissionMaxUsagePct: 95, admissionMinFreeMiB: 500, memoryCapPct: 90, cleanupAbovePct: 80, sweepAbovePct: 70 },
    ...over,
  };
}

export function dumpJob(over: Partial<TDumpJob> = {}): TDumpJob {
  return {
    id: "j",
    fileName: "r.jpg",
    pages: 1,
    widthPx: 800,
    heightPx: 1200,
    status: "SUCCEEDED",
    errorCode: null,
    unschedulableReason: null,
    nodeName: "gpu0",
    attempt: 1,
    predictedPeakMiB: 900,
    observedPeakMiB: 1000,
    memBeforeMiB: 500,
    memAfterMiB: 600,
    timings: null,
    createdAt: at(0),
    placedAt: at(0.5),
    startedAt: at(1),
    finishedAt: at(2),
    ...over,
  };
}

export function jobEvent(over: Partial<TDumpJobEvent> = {}): TDumpJobEvent {
  return { jobId: "j", type: "placed", nodeName: "gpu0", attempt: 1, data: null, createdAt: at(0), ...over };
}

export function nodeEvent(over: Partial<TDumpNodeEvent> = {}): TDumpNodeEvent {
  return { type: "cleanup", nodeName: "gpu0", beforeMiB: null, afterMiB: null, freedMiB: null, data: null, createdAt: at(0), ...over };
}

export function sample(over: Partial<TDumpSample> = {}): TDumpSample {
  return { nodeName: "gpu0", at: at(0), usedMiB: 1000, totalMiB: 10_000, processMiB: 800, ...over };
}

export function phase(over: Partial<TPhaseDump> = {}): TPhaseDump {
  return {
    label: "gpu1",
    since: T0,
    until: at(600),
    exportedAt: at(600),
    nodes: [dumpNode()],
    jobs: [],
    jobEvents: [],
    nodeEvents: [],
    samples: [],
    samplesInWindow: 0,
    samplesStride: 1,
    thresholds: { fleet: null, overrides: {}, changes: [] },
    ...over,
  };
}
