// Predicted peak memory of a job, in MiB above the node's reading when the job starts.
//
// Before history exists this is a deliberately generous prior: PP-OCR's detection maps and crops
// grow with input pixels. Once a provider has enough finished jobs, the prediction is a least-
// squares line of observed peak delta against megapixels, times a safety factor: the 95th
// percentile of observed / fitted. Memory noise grows with the job (a big scan varies by more MiB
// than a receipt), so a factor keeps small jobs' predictions tight where a fixed MiB margin would
// swamp them (docs/bench-scheduler.md §4 measured both). Pages run one after another, so a job's
// peak is one page's.
export type TPredictionInput = { widthPx: number | null; heightPx: number | null; pages: number };
export type TPeakObservation = { megapixels: number; deltaMiB: number };
export type TPeakModel = {
  baseMiB: number;
  mibPerMegapixel: number;
  residualSdMiB: number;
  marginFactor: number;
  n: number;
  /**
   * The largest job the fit saw. A slope fitted on small jobs says little about large ones: fitted on
   * receipt crops of 0.1 MP, it priced an unknown-size PDF page (8.7 MP) above a CPU node's whole
   * budget, and the job waited for ever (docs/reliability.md). Beyond this size the prior's slope applies.
   */
  maxMegapixels: number;
};

/** MiB a job needs no matter how small it is (session buffers, decode, result). */
export const PRIOR_BASE_MIB = 128;
/** MiB per megapixel, before detection's downscale. */
export const PRIOR_MIB_PER_MEGAPIXEL = 48;
/** Fewer observations than this and the fit is not trusted. */
export const MIN_OBSERVATIONS = 20;
/** A prediction never drops below this, however small the fit says a job is. */
export const MIN_PREDICTION_MIB = 16;

export const PRIOR_MODEL: TPeakModel = { baseMiB: PRIOR_BASE_MIB, mibPerMegapixel: PRIOR_MIB_PER_MEGAPIXEL, residualSdMiB: 0, marginFactor: 1, n: 0, maxMegapixels: Infinity };
/** Share of past jobs the prediction should cover. */
export const COVERED_QUANTILE = 0.95;

export function megapixelsOf(job: TPredictionInput): number {
  // Unknown size: assume an A4 page at 300 DPI, the largest common case.
  return ((job.widthPx ?? 2480) * (job.heightPx ?? 3508)) / 1e6;
}

export function fitPeakModel(obs: readonly TPeakObservation[]): TPeakModel | null {
  const n = obs.length;
  if (n < MIN_OBSERVATIONS) return null;
  const mx = obs.reduce((a, o) => a + o.megapixels, 0) / n;
  const my = obs.reduce((a, o) => a + o.deltaMiB, 0) / n;
  let sxx = 0;
  let sxy = 0;
  for (const o of obs) {
    sxx += (o.megapixels - mx) ** 2;
    sxy += (o.megapixels - mx) * (o.deltaMiB - my);
  }
  // All jobs the same size: no slope to learn, only a level. Memory never shrinks with size.
  const slope = sxx > 1e-9 ? Math.max(0, sxy / sxx) : 0;
  const base = my - slope * mx;
  const fitted = (o: TPeakObservation) => Math.max(MIN_PREDICTION_MIB, base + slope * o.megapixels);
  const sse = obs.reduce((a, o) => a + (o.deltaMiB - (base + slope * o.megapixels)) ** 2, 0);
  const ratios = obs.map((o) => o.deltaMiB / fitted(o)).sort((a, b) => a - b);
  const marginFactor = Math.max(1, ratios[Math.min(n - 1, Math.ceil(COVERED_QUANTILE * n) - 1)]!);
  const maxMegapixels = obs.reduce((a, o) => Math.max(a, o.megapixels), 0);
  return { baseMiB: base, mibPerMegapixel: slope, residualSdMiB: Math.sqrt(sse / Math.max(1, n - 2)), marginFactor, n, maxMegapixels };
}

export function predictPeakMiB(job: TPredictionInput, model: TPeakModel | null = null): number {
  const m = model ?? PRIOR_MODEL;
  const mp = megapixelsOf(job);
  const fitted = Math.max(MIN_PREDICTION_MIB, m.baseMiB + m.mibPerMegapixel * Math.min(mp, m.maxMegapixels));
  // Past the largest job seen, each further megapixel costs what the prior says, not the fit.
  return Math.ceil(fitted * m.marginFactor + PRIOR_MIB_PER_MEGAPIXEL * Math.max(0, mp - m.maxMegapixels));
}

/** Predictions are kept per OCR model and execution provider: the same pages need different memory under each. */
export function predictionKey(model: string | null | undefined, provider: string | null | undefined): string | null {
  return provider ? `${model ?? "unknown-model"}|${provider}` : null;
}
