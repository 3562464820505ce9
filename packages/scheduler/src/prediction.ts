// Predicted peak memory of a job, in MiB above the node's resting reading. Until history exists
// this is a deliberately generous prior: PP-OCR's detection maps and crops grow with input pixels.
export type TPredictionInput = { widthPx: number | null; heightPx: number | null; pages: number };

/** MiB a job needs no matter how small it is (session buffers, decode, result). */
export const PRIOR_BASE_MIB = 128;
/** MiB per megapixel per page, before detection's downscale. */
export const PRIOR_MIB_PER_MEGAPIXEL = 48;

export function predictPeakMiB(job: TPredictionInput): number {
  const megapixels = ((job.widthPx ?? 2480) * (job.heightPx ?? 3508)) / 1e6;
  // Pages run one after another, so the peak is one page's, not the sum.
  return Math.ceil(PRIOR_BASE_MIB + PRIOR_MIB_PER_MEGAPIXEL * megapixels);
}
