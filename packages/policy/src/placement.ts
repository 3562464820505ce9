// Placement: which node gets a job. Pure: nodes + job in, a decision with its figures out.
// Headroom = effective limit − used − reserved for jobs in flight, where the effective limit is the
// lower of the memory cap and (total − admission min free) (memory.ts). A node qualifies only if it
// still passes admission with the job's predicted peak added; the most headroom wins, ties go to
// fewer jobs in flight, then the smaller id, so the same inputs always give the same answer.
import type { TThresholds } from "@headroom/protocol";
import { admissionFailure, effectiveLimitMiB } from "./memory.ts";

export type TPlacementNode = {
  id: string;
  name: string;
  /** The node's model and execution provider (see `predictionKey`); memory predictions are per key. */
  predictionKey?: string | null;
  online: boolean;
  drained: boolean;
  maxConcurrent: number;
  totalMiB: number;
  usedMiB: number;
  /** Predicted peaks of the jobs placed on or running on this node. */
  inFlightPeaksMiB: number[];
  thresholds: TThresholds;
};

export type TPlacementJob = {
  id: string;
  /** Peak for a node whose model and provider have no prediction of their own. */
  predictedPeakMiB: number;
  peakMiBByKey?: Readonly<Record<string, number>>;
  /**
   * Nodes where an earlier attempt of this job failed (runner crash, over the cap, lease lost). The
   * retry goes elsewhere whenever another node is online and not drained, even if that means waiting
   * for it to free up: the failing node may fail it again, and "retry elsewhere" is the rule.
   */
  avoidNodeIds?: readonly string[];
};

export function peakFor(job: TPlacementJob, node: Pick<TPlacementNode, "predictionKey">): number {
  return (node.predictionKey ? job.peakMiBByKey?.[node.predictionKey] : undefined) ?? job.predictedPeakMiB;
}

export type TNodeFigures = {
  nodeId: string;
  name: string;
  effectiveLimitMiB: number;
  usedMiB: number;
  reservedMiB: number;
  headroomMiB: number;
  inFlight: number;
  /** Why this node was passed over; absent for the nodes that qualified. */
  rejected?: string;
};

export type TPlacementDecision =
  | { ok: true; nodeId: string; /** for the chosen node */ predictedPeakMiB: number; chosen: TNodeFigures; candidates: TNodeFigures[] }
  | {
      ok: false;
      reason: string;
      predictedPeakMiB: number;
      /**
       * Set when some node turned the job down for memory alone (admission or headroom): the smallest
       * predicted peak among those nodes, in MiB. Null when memory is not what it waits for (offline,
       * drained, busy). Stored on the job, so a heartbeat can ask an idle node to give memory back.
       */
      headroomNeededMiB: number | null;
      candidates: TNodeFigures[];
    };

export function nodeFigures(node: TPlacementNode): TNodeFigures {
  const limit = effectiveLimitMiB(node.totalMiB, node.thresholds);
  const reserved = node.inFlightPeaksMiB.reduce((a, b) => a + b, 0);
  return {
    nodeId: node.id,
    name: node.name,
    effectiveLimitMiB: limit,
    usedMiB: node.usedMiB,
    reservedMiB: reserved,
    headroomMiB: limit - node.usedMiB - reserved,
    inFlight: node.inFlightPeaksMiB.length,
  };
}

export const FAILED_HERE = "an earlier attempt failed here";

/**
 * The memory checks alone: admission (the agent's rule, memory.ts) on the node as it would be with
 * the job's peak added, free counted as total − used; then headroom. The fleet index
 * (fleet-index.ts) asks it too.
 */
export function memoryRejection(node: Pick<TPlacementNode, "totalMiB" | "thresholds">, f: Pick<TNodeFigures, "usedMiB" | "reservedMiB" | "headroomMiB">, peakMiB: number): string | undefined {
  const afterMiB = f.usedMiB + f.reservedMiB + peakMiB;
  const t = node.thresholds;
  const failure = admissionFailure({ usedMiB: afterMiB, totalMiB: node.totalMiB, freeMiB: node.totalMiB - afterMiB }, t);
  if (failure === "usage") return `would pass ${t.admissionMaxUsagePct}% usage`;
  if (failure === "free") return `would leave under ${t.admissionMinFreeMiB} MiB free`;
  if (f.headroomMiB < peakMiB) return `headroom ${f.headroomMiB} MiB < predicted ${peakMiB} MiB`;
  return undefined;
}

export const busyReason = (maxConcurrent: number) => `at its concurrency limit (${maxConcurrent})`;

/** Why a node cannot take the job; `memory` marks the reasons that freeing memory there would cure. */
function rejection(node: TPlacementNode, f: TNodeFigures, peakMiB: number, avoided: boolean): { why: string; memory: boolean } | undefined {
  if (!node.online) return { why: "offline", memory: false };
  if (node.drained) return { why: "drained", memory: false };
  if (avoided) return { why: FAILED_HERE, memory: false };
  if (f.inFlight >= node.maxConcurrent) return { why: busyReason(node.maxConcurrent), memory: false };
  const why = memoryRejection(node, f, peakMiB);
  return why === undefined ? undefined : { why, memory: true };
}

export function placeJob(nodes: readonly TPlacementNode[], job: TPlacementJob): TPlacementDecision {
  const peaks = new Map(nodes.map((n) => [n.id, peakFor(job, n)]));
  const avoid = new Set(job.avoidNodeIds ?? []);
  const elsewhere = nodes.some((n) => n.online && !n.drained && !avoid.has(n.id));
  let headroomNeededMiB: number | null = null;
  const candidates = nodes.map((n) => {
    const f = nodeFigures(n);
    const peakMiB = peaks.get(n.id)!;
    const r = rejection(n, f, peakMiB, elsewhere && avoid.has(n.id));
    if (r?.memory) headroomNeededMiB = Math.min(headroomNeededMiB ?? peakMiB, peakMiB);
    return r === undefined ? f : { ...f, rejected: r.why };
  });
  const eligible = candidates.filter((c) => c.rejected === undefined);
  if (eligible.length === 0) {
    return { ok: false, reason: unschedulableReason(candidates, job.predictedPeakMiB), predictedPeakMiB: job.predictedPeakMiB, headroomNeededMiB, candidates };
  }
  // One pass for the best: most headroom, then fewer in flight, then the smaller id.
  let chosen = eligible[0]!;
  for (const c of eligible) if (better(c, chosen)) chosen = c;
  return { ok: true, nodeId: chosen.nodeId, predictedPeakMiB: peaks.get(chosen.nodeId)!, chosen, candidates };
}

/** The placement order: most headroom, then fewer jobs in flight, then the smaller id. */
export function better(a: TNodeFigures, b: TNodeFigures): boolean {
  if (a.headroomMiB !== b.headroomMiB) return a.headroomMiB > b.headroomMiB;
  if (a.inFlight !== b.inFlight) return a.inFlight < b.inFlight;
  return a.nodeId < b.nodeId;
}

/** At most this many candidates are kept with a placement; a fleet of 1,000 nodes is summarised. */
export const MAX_RECORDED_CANDIDATES = 8;

export type TPlacementSummary = { candidates: TNodeFigures[]; candidateCount: number; rejectedCounts: Record<string, number> };

/**
 * What a placement record keeps: the best candidates (eligible ones by the placement order, then
 * rejected ones by headroom) and, for the rest, how many were passed over for each reason.
 */
export function summarizeCandidates(candidates: readonly TNodeFigures[], max = MAX_RECORDED_CANDIDATES): TPlacementSummary {
  const rejectedCounts: Record<string, number> = {};
  for (const c of candidates) {
    if (c.rejected === undefined) continue;
    const key = c.rejected.replace(/\d[\d,.]*/g, "N");
    rejectedCounts[key] = (rejectedCounts[key] ?? 0) + 1;
  }
  const eligible = candidates.filter((c) => c.rejected === undefined).sort((a, b) => (better(a, b) ? -1 : better(b, a) ? 1 : 0));
  const rejected = candidates.filter((c) => c.rejected !== undefined).sort((a, b) => b.headroomMiB - a.headroomMiB);
  return { candidates: [...eligible, ...rejected].slice(0, max), candidateCount: candidates.length, rejectedCounts };
}

/** What the reason for waiting depends on: counts of nodes by state, and the best headroom among free ones. */
export type TWaitCounts = { registered: number; online: number; active: number; free: number; failedHere: number; bestFreeHeadroomMiB: number };

/** One sentence for the UI: why the job is still waiting. */
export function unschedulableReason(candidates: readonly TNodeFigures[], peakMiB: number): string {
  const online = candidates.filter((c) => c.rejected !== "offline");
  const active = online.filter((c) => c.rejected !== "drained");
  const free = active.filter((c) => !c.rejected?.startsWith("at its concurrency") && c.rejected !== FAILED_HERE);
  return waitReason(
    {
      registered: candidates.length,
      online: online.length,
      active: active.length,
      free: free.length,
      failedHere: active.filter((c) => c.rejected === FAILED_HERE).length,
      bestFreeHeadroomMiB: Math.max(...free.map((c) => c.headroomMiB)),
    },
    peakMiB,
  );
}

export function waitReason(c: TWaitCounts, peakMiB: number): string {
  if (c.registered === 0) return "No nodes have registered";
  if (c.online === 0) return "No node is online";
  if (c.active === 0) return "Every online node is drained";
  if (c.free === 0) {
    return c.failedHere > 0 ? "Waiting for a node other than the one where an earlier attempt failed" : "Every node is busy; the job runs when one frees up";
  }
  return `No node has ${peakMiB} MiB of headroom for this job (best: ${c.bestFreeHeadroomMiB} MiB)`;
}
