// The report's numbers, as pure functions of one phase dump. Wall time is the phase's own timeline
// from the database (first job created → last job finished, server clock), so every phase is
// measured the same way whether or not the driver's figures came along.
import { countBy, median, quantile, secondsBetween, sum } from "./stats.ts";
import { kindOfFileName, type TWorkloadKind } from "../fleet-bench/types.ts";
import type { TPhaseDump } from "./types.ts";

type TPhase = TPhaseDump & { config?: Record<string, unknown> };

export type TNodeThroughput = { name: string; jobs: number; pages: number; pagesPerS: number | null };

export type TThroughput = {
  label: string;
  gpus: number;
  jobs: number;
  succeeded: number;
  failed: number;
  pages: number;
  wallS: number | null;
  pagesPerS: number | null;
  pagesPerSPerGpu: number | null;
  /** createdAt → finishedAt of succeeded jobs (upload to result), s */
  latencyP50S: number | null;
  latencyP90S: number | null;
  latencyP95S: number | null;
  perNode: TNodeThroughput[];
};

/**
 * The agents that served the phase: `config.gpus` when the orchestrator set it (GPU phases), else its
 * `config.agents` (a CPU phase: its CPU agents), else the phase's nodes.
 */
export function gpuCount(phase: TPhase): number {
  const configured = phase.config?.gpus ?? phase.config?.agents;
  return typeof configured === "number" ? configured : phase.nodes.length;
}

/** gpu, tight, kill or cpu (scripts/gpu-host/fleet-plan.ts); "gpu" when the orchestrator did not say. */
export function phaseKind(phase: TPhase): string {
  const kind = phase.config?.kind;
  return typeof kind === "string" ? kind : "gpu";
}

/**
 * The pages a phase was offered: "mixed" (the whole workload), or the one kind a subset phase
 * offered alone (`config.workload`, scripts/gpu-host/fleet-plan.ts). Runs before subsets were mixed.
 */
export function phaseWorkload(phase: TPhase): string {
  const w = phase.config?.workload;
  return typeof w === "string" ? w : "mixed";
}

export type TMemoryPeaks = {
  /** The largest processMiB any agent reported: its runners' device MiB (summed over runner slots), RSS on a CPU node. */
  runnerPeakMiB: number | null;
  /** The largest usedMiB any agent reported: the whole device (host memory held by the agent and runners on a CPU node). */
  devicePeakMiB: number | null;
};

/** Peaks over the phase's exported samples; a downsampled export keeps each bucket's peak (export.ts). */
export function memoryPeaks(phase: TPhaseDump): TMemoryPeaks {
  // A loop, not Math.max(...xs): an export holds up to 50,000 samples, too many to spread as arguments.
  let runnerPeakMiB: number | null = null;
  let devicePeakMiB: number | null = null;
  for (const s of phase.samples) {
    if (s.processMiB !== null && (runnerPeakMiB === null || s.processMiB > runnerPeakMiB)) runnerPeakMiB = s.processMiB;
    if (devicePeakMiB === null || s.usedMiB > devicePeakMiB) devicePeakMiB = s.usedMiB;
  }
  return { runnerPeakMiB, devicePeakMiB };
}

export function wallSeconds(phase: TPhaseDump): number | null {
  const created = phase.jobs.map((j) => Date.parse(j.createdAt));
  const finished = phase.jobs.flatMap((j) => (j.finishedAt ? [Date.parse(j.finishedAt)] : []));
  if (created.length === 0 || finished.length === 0) return null;
  return (Math.max(...finished) - Math.min(...created)) / 1000;
}

export function throughput(phase: TPhase): TThroughput {
  const ok = phase.jobs.filter((j) => j.status === "SUCCEEDED");
  const wallS = wallSeconds(phase);
  const pages = sum(ok.map((j) => j.pages));
  const rate = (p: number) => (wallS && wallS > 0 ? p / wallS : null);
  const gpus = gpuCount(phase);
  const names = [...new Set([...phase.nodes.map((n) => n.name), ...ok.flatMap((j) => (j.nodeName ? [j.nodeName] : []))])];
  const perNode = names.map((name) => {
    const mine = ok.filter((j) => j.nodeName === name);
    const p = sum(mine.map((j) => j.pages));
    return { name, jobs: mine.length, pages: p, pagesPerS: rate(p) };
  });
  const latency = ok.flatMap((j) => {
    const s = secondsBetween(j.createdAt, j.finishedAt);
    return s === null ? [] : [s];
  });
  const pagesPerS = rate(pages);
  return {
    label: phase.label,
    gpus,
    jobs: phase.jobs.length,
    succeeded: ok.length,
    failed: phase.jobs.filter((j) => j.status === "FAILED").length,
    pages,
    wallS,
    pagesPerS,
    pagesPerSPerGpu: pagesPerS !== null && gpus > 0 ? pagesPerS / gpus : null,
    latencyP50S: quantile(latency, 0.5),
    latencyP90S: quantile(latency, 0.9),
    latencyP95S: quantile(latency, 0.95),
    perNode,
  };
}

export type TScalingRow = { label: string; gpus: number; pagesPerS: number | null; speedup: number | null; efficiency: number | null };

/**
 * pages/s(n) / (n × pages/s(1)), against the first phase with one GPU that offered the same pages
 * (`workload`: an A4-only phase is no baseline for the mixed workload). Phases are taken in the
 * order given; with no such one-GPU phase there is no baseline and the ratios stay null.
 */
export function scaling(rows: readonly (Pick<TThroughput, "label" | "gpus" | "pagesPerS"> & { workload?: string })[]): TScalingRow[] {
  return rows.map((r) => {
    const base = rows.find((b) => b.gpus === 1 && b.pagesPerS !== null && b.workload === r.workload)?.pagesPerS ?? null;
    const speedup = base && r.pagesPerS !== null ? r.pagesPerS / base : null;
    return { label: r.label, gpus: r.gpus, pagesPerS: r.pagesPerS, speedup, efficiency: speedup !== null && r.gpus > 0 ? speedup / r.gpus : null };
  });
}

export type TPlacementStats = {
  label: string;
  decisions: number;
  jobsPerNode: Record<string, number>;
  headroomMinMiB: number | null;
  headroomMedianMiB: number | null;
  headroomMaxMiB: number | null;
  predictedPeakMedianMiB: number | null;
  /** createdAt → placedAt, s (the last placement of each job) */
  waitP50S: number | null;
  waitP90S: number | null;
  /** The scheduler records no event for a pass that found no node: these are the jobs still waiting at export, by reason. */
  unplaced: Record<string, number>;
  /** Over all decisions: how often other nodes were passed over, by reason (numbers folded to N). */
  passedOver: Record<string, number>;
};

type TPlacedData = { predictedPeakMiB?: unknown; chosen?: { headroomMiB?: unknown }; rejectedCounts?: unknown };

export function placement(phase: TPhaseDump): TPlacementStats {
  const placed = phase.jobEvents.filter((e) => e.type === "placed");
  const headroom: number[] = [];
  const peaks: number[] = [];
  const passedOver: Record<string, number> = {};
  for (const e of placed) {
    const d = (e.data ?? {}) as TPlacedData;
    if (typeof d.chosen?.headroomMiB === "number") headroom.push(d.chosen.headroomMiB);
    if (typeof d.predictedPeakMiB === "number") peaks.push(d.predictedPeakMiB);
    if (d.rejectedCounts && typeof d.rejectedCounts === "object") {
      for (const [why, n] of Object.entries(d.rejectedCounts)) if (typeof n === "number") passedOver[why] = (passedOver[why] ?? 0) + n;
    }
  }
  const waits = phase.jobs.flatMap((j) => {
    const s = secondsBetween(j.createdAt, j.placedAt);
    return s === null ? [] : [s];
  });
  const waiting = phase.jobs.filter((j) => j.status === "QUEUED" && j.unschedulableReason);
  return {
    label: phase.label,
    decisions: placed.length,
    jobsPerNode: countBy(placed, (e) => e.nodeName),
    headroomMinMiB: headroom.length ? Math.min(...headroom) : null,
    headroomMedianMiB: median(headroom),
    headroomMaxMiB: headroom.length ? Math.max(...headroom) : null,
    predictedPeakMedianMiB: median(peaks),
    waitP50S: quantile(waits, 0.5),
    waitP90S: quantile(waits, 0.9),
    // Folded like the scheduler folds rejections, so "best: 812 MiB" and "best: 790 MiB" count together.
    unplaced: countBy(waiting, (j) => j.unschedulableReason?.replace(/\d[\d,.]*/g, "N")),
    passedOver,
  };
}

export type TMemoryRules = {
  label: string;
  /** Job events `refused`: the agent's admission check said no on its live reading. */
  refusals: number;
  cleanups: number;
  cleanupFreedSumMiB: number;
  cleanupFreedMedianMiB: number | null;
  sweeps: number;
  sweepFreedSumMiB: number;
  runnerRestarts: number;
  /** The same by the agent's reason: crash (the runner died), abort (a job was stopped: canceled, timed out, over the cap), … */
  runnerRestartsByReason: Record<string, number>;
  /** Node events `oom`: real out-of-memory errors plus over-cap aborts (data.cap). */
  ooms: number;
  overCapAborts: number;
  retries: number;
  leaseExpiries: number;
  failedByCode: Record<string, number>;
};

export function memoryRules(phase: TPhaseDump): TMemoryRules {
  const ofType = (t: string) => phase.nodeEvents.filter((e) => e.type === t);
  const freed = (t: string) => ofType(t).flatMap((e) => (e.freedMiB === null ? [] : [e.freedMiB]));
  const ooms = ofType("oom");
  return {
    label: phase.label,
    refusals: phase.jobEvents.filter((e) => e.type === "refused").length,
    cleanups: ofType("cleanup").length,
    cleanupFreedSumMiB: sum(freed("cleanup")),
    cleanupFreedMedianMiB: median(freed("cleanup")),
    sweeps: ofType("sweep").length,
    sweepFreedSumMiB: sum(freed("sweep")),
    runnerRestarts: ofType("runner_restart").length,
    runnerRestartsByReason: countBy(ofType("runner_restart"), (e) => String((e.data as { reason?: unknown } | null)?.reason ?? "unknown")),
    ooms: ooms.length,
    overCapAborts: ooms.filter((e) => (e.data as { cap?: unknown } | null)?.cap === true).length,
    retries: phase.jobEvents.filter((e) => e.type === "retried").length,
    leaseExpiries: phase.jobEvents.filter((e) => e.type === "lease_expired").length,
    failedByCode: countBy(
      phase.jobs.filter((j) => j.status === "FAILED"),
      (j) => j.errorCode ?? "unknown",
    ),
  };
}

/** The agent's pipeline order; stages it adds later follow in name order, the total last. */
const STAGE_ORDER = ["decode", "detect", "crop", "classify", "recognize", "post"];

export function stageNames(phases: readonly TPhaseDump[]): string[] {
  const seen = new Set(phases.flatMap((p) => p.jobs.flatMap((j) => Object.keys(j.timings ?? {}))));
  const known = STAGE_ORDER.filter((s) => seen.has(s));
  const rest = [...seen].filter((s) => !STAGE_ORDER.includes(s) && s !== "totalMs").sort();
  return [...known, ...rest, ...(seen.has("totalMs") ? ["totalMs"] : [])];
}

/** Median ms per page of each stage over the phase's succeeded jobs (a PDF's stages cover all its pages). */
export function stageMediansPerPage(phase: TPhaseDump, stages: readonly string[], only: (j: TPhaseDump["jobs"][number]) => boolean = () => true): Record<string, number | null> {
  const ok = phase.jobs.filter((j) => j.status === "SUCCEEDED" && j.timings && j.pages > 0 && only(j));
  return Object.fromEntries(stages.map((s) => [s, median(ok.flatMap((j) => (typeof j.timings?.[s] === "number" ? [j.timings[s] / j.pages] : [])))]));
}

export type TKindStages = { label: string; kind: TWorkloadKind; jobs: number; medians: Record<string, number | null> };

/** Stage medians per page for each workload kind (told apart by file name): the kinds cost very different amounts. */
export function stageMediansByKind(phase: TPhaseDump, stages: readonly string[]): TKindStages[] {
  const kinds = [...new Set(phase.jobs.map((j) => kindOfFileName(j.fileName)).filter((k): k is TWorkloadKind => k !== null))].sort();
  return kinds.map((kind) => {
    const only = (j: TPhaseDump["jobs"][number]) => kindOfFileName(j.fileName) === kind;
    return { label: phase.label, kind, jobs: phase.jobs.filter((j) => j.status === "SUCCEEDED" && only(j)).length, medians: stageMediansPerPage(phase, stages, only) };
  });
}

export type TJobOverhead = {
  label: string;
  /** startedAt → finishedAt minus the runner's OCR total: the image to the runner and back, the last memory reading, the result upload. */
  outsideOcrP50Ms: number | null;
  /**
   * A node's finishedAt → its next job's startedAt: the rules after a job, the claim, the image
   * download and the admission reading. Only nodes that ran one job at a time (with runner slots
   * the jobs overlap and there is no gap to speak of).
   */
  betweenJobsP50Ms: number | null;
};

/** The time a job spends in the agent outside the runner's OCR stages, and between one job and the next. */
export function jobOverhead(phase: TPhaseDump): TJobOverhead {
  const ran = phase.jobs.filter((j) => j.status === "SUCCEEDED" && j.startedAt && j.finishedAt);
  const outside = ran.flatMap((j) => (typeof j.timings?.totalMs === "number" ? [Date.parse(j.finishedAt!) - Date.parse(j.startedAt!) - j.timings.totalMs] : []));
  const gaps: number[] = [];
  for (const name of new Set(ran.map((j) => j.nodeName))) {
    const mine = ran.filter((j) => j.nodeName === name).sort((a, b) => Date.parse(a.startedAt!) - Date.parse(b.startedAt!));
    const between = mine.slice(1).map((j, i) => Date.parse(j.startedAt!) - Date.parse(mine[i]!.finishedAt!));
    if (between.every((g) => g >= 0)) gaps.push(...between);
  }
  return { label: phase.label, outsideOcrP50Ms: median(outside), betweenJobsP50Ms: median(gaps) };
}
