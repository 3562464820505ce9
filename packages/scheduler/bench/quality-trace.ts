// The SIMULATED world for the placement-quality comparison: a fleet whose background memory
// drifts, and a trace of OCR jobs whose true peak differs from any prediction. Everything comes
// from fixed seeds, so every policy sees exactly the same fleet, background and jobs.
import { drawDocument, normal, rng, type TDocument } from "./random.ts";

export type TSimNode = {
  id: string;
  name: string;
  totalMiB: number;
  maxConcurrent: number;
  /** Model weights and runtime buffers, always held. */
  residentMiB: number;
  /** Other tenants' mean use, as a share of total (the drift reverts to it). */
  coTenantMean: number;
};

export type TSimJob = TDocument & {
  id: string;
  arriveMs: number;
  /** The true peak above the node's reading while the job runs (one page's peak), MiB. */
  truePeakMiB: number;
  durationMs: number;
};

export type TTraceOptions = { seed: number; arrivalsPerS: number; arriveForMs: number };

export const STEP_MS = 100;
export const HEARTBEAT_MS = 2_000;

/** 8 × 80 GiB and 4 × 24 GiB; each 80 GiB card runs up to 6 jobs at once, each 24 GiB card 2. */
export function simFleet(seed: number): TSimNode[] {
  const r = rng(seed);
  const nodes: TSimNode[] = [];
  for (let i = 0; i < 12; i++) {
    const big = i < 8;
    nodes.push({
      id: `00000000-0000-4000-8000-${(i + 1).toString().padStart(12, "0")}`,
      name: big ? `sim-h100-${i}` : `sim-l4-${i - 8}`,
      totalMiB: big ? 81_920 : 24_576,
      maxConcurrent: big ? 6 : 2,
      residentMiB: big ? 6_144 : 5_120,
      coTenantMean: 0.05 + r() * 0.45,
    });
  }
  return nodes;
}

/**
 * Other tenants' memory on one node, one value per step: an Ornstein–Uhlenbeck walk around the
 * node's mean (2 min reversion, 8 % of total stationary spread), clamped so that resident plus
 * co-tenant use never exceeds 85 % of the card on its own.
 */
export function backgroundSeries(node: TSimNode, steps: number, seed: number): Int32Array {
  const r = rng(seed);
  const out = new Int32Array(steps);
  const theta = STEP_MS / 120_000;
  const sigma = 0.08 * Math.sqrt(2 * theta);
  const cap = 0.85 - node.residentMiB / node.totalMiB;
  let x = node.coTenantMean;
  for (let s = 0; s < steps; s++) {
    x += theta * (node.coTenantMean - x) + sigma * normal(r);
    x = Math.min(cap, Math.max(0, x));
    out[s] = Math.round(node.residentMiB + x * node.totalMiB);
  }
  return out;
}

/** True peak of one page: 300 MiB + 250 MiB per megapixel, ×lognormal(σ 0.2), and 3 % of pages at 1.8×. */
function truePeakMiB(doc: TDocument, r: () => number): number {
  const mp = (doc.widthPx * doc.heightPx) / 1e6;
  const outlier = r() < 0.03 ? 1.8 : 1;
  return Math.round((300 + 250 * mp) * Math.exp(0.2 * normal(r)) * outlier);
}

/** Poisson arrivals at `arrivalsPerS` for `arriveForMs`; run time 150 ms + 100 ms per megapixel per page. */
export function simTrace(o: TTraceOptions): TSimJob[] {
  const r = rng(o.seed);
  const jobs: TSimJob[] = [];
  let t = 0;
  for (let i = 0; ; i++) {
    t += (-Math.log(Math.max(r(), 1e-12)) / o.arrivalsPerS) * 1_000;
    if (t >= o.arriveForMs) break;
    const doc = drawDocument(r);
    const mp = (doc.widthPx * doc.heightPx) / 1e6;
    jobs.push({ ...doc, id: `job-${i}`, arriveMs: t, truePeakMiB: truePeakMiB(doc, r), durationMs: Math.round(doc.pages * (150 + 100 * mp)) });
  }
  return jobs;
}
