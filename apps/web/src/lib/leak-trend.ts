// Leak detection: if memory right after cleanups keeps climbing, something the rules cannot free is
// growing. A least-squares line through the after-cleanup readings gives the climb in MiB per hour.
// Pure; table-tested in leak-trend.test.ts.

/** At least this many cleanups before a trend means anything. */
export const LEAK_MIN_POINTS = 3;
/** A climb faster than this, in MiB per hour, is reported as a suspected leak. */
export const LEAK_WARN_MIB_PER_HOUR = 50;
/** The trend looks back this far, in ms. */
export const LEAK_WINDOW_MS = 24 * 3_600_000;

export type TTrendPoint = { atMs: number; afterMiB: number };
export type TLeakTrend = { mibPerHour: number; points: number; warn: boolean };

/** Least-squares slope of afterMiB over time, in MiB per ms; null for fewer than two distinct times. */
export function slopePerMs(points: readonly TTrendPoint[]): number | null {
  const n = points.length;
  if (n < 2) return null;
  // Centre times on the first point so squares of epoch ms do not lose precision.
  const t0 = points[0]!.atMs;
  let sx = 0, sy = 0;
  for (const p of points) { sx += p.atMs - t0; sy += p.afterMiB; }
  const mx = sx / n, my = sy / n;
  let sxx = 0, sxy = 0;
  for (const p of points) {
    const dx = p.atMs - t0 - mx;
    sxx += dx * dx;
    sxy += dx * (p.afterMiB - my);
  }
  return sxx === 0 ? null : sxy / sxx;
}

export function leakTrend(points: readonly TTrendPoint[], opts: { minPoints?: number; warnAboveMiBPerHour?: number } = {}): TLeakTrend | null {
  if (points.length < (opts.minPoints ?? LEAK_MIN_POINTS)) return null;
  const slope = slopePerMs(points);
  if (slope === null) return null;
  const mibPerHour = Math.round(slope * 3_600_000 * 10) / 10 || 0; // || 0: no "-0" in answers
  return { mibPerHour, points: points.length, warn: mibPerHour > (opts.warnAboveMiBPerHour ?? LEAK_WARN_MIB_PER_HOUR) };
}
