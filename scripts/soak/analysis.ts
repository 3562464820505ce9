// Does a process's memory plateau? For each series, RSS is fitted as a straight line against jobs
// done, using only the samples after warm-up (the first share of the run's jobs, when caches, JIT and
// pools are still filling). The slope per 1,000 jobs, as a percentage of the post-warm-up mean, is
// the growth the goal limits (issue 13: at most 5 % per 1,000 jobs). Pure: plain numbers in and out.

export type TSoakSample = {
  /** ms since the epoch. */
  atMs: number;
  /** Jobs finished (succeeded or failed) when the sample was taken. */
  jobsDone: number;
  /** RSS per series in MiB; null when the process was not there (restarting, not started yet). */
  rssMiB: Record<string, number | null>;
  /** pg_database_size of the run's database; null when it could not be read. */
  dbBytes: number | null;
  /** The machine's 1-minute load average. */
  load1: number;
};

export type TVerdict = "PASS" | "FAIL" | "TOO_FEW_JOBS";

export type TTrend = {
  name: string;
  /** Samples after warm-up that had a value. */
  points: number;
  meanMiB: number;
  minMiB: number;
  maxMiB: number;
  /** Fitted growth, MiB per 1,000 jobs (negative: shrinking). */
  slopeMiBPer1kJobs: number;
  /** The slope as a share of the mean: the number the goal limits. */
  pctPer1kJobs: number;
  verdict: TVerdict;
};

export type TSoakAnalysis = {
  /** Jobs done at the end of warm-up; samples before it are left out of the fits. */
  warmupJobs: number;
  /** Jobs done over the fitted window (last minus first post-warm-up sample). */
  fittedJobs: number;
  limitPct: number;
  trends: TTrend[];
  /** Database growth per 1,000 jobs after warm-up, MiB (a fit like the others); null without readings. */
  dbMiBPer1kJobs: number | null;
  /** PASS only when every series passed; TOO_FEW_JOBS when the run had too little work to judge. */
  verdict: TVerdict;
};

export type TAnalysisOptions = {
  /** Share of the run's jobs counted as warm-up (0.1 = the first 10 %). */
  warmupFraction: number;
  limitPct: number;
  /** Fewer post-warm-up samples, or a narrower span of jobs, and the series is not judged. */
  minPoints: number;
  minFittedJobs: number;
};

export const DEFAULT_ANALYSIS: TAnalysisOptions = { warmupFraction: 0.1, limitPct: 5, minPoints: 5, minFittedJobs: 50 };

const MIB = 1024 * 1024;

/** Ordinary least squares y = a + b·x; slope NaN when every x is the same. */
export function fitLine(xs: readonly number[], ys: readonly number[]): { slope: number; intercept: number } {
  const n = xs.length;
  if (n === 0 || n !== ys.length) return { slope: Number.NaN, intercept: Number.NaN };
  const mx = xs.reduce((s, x) => s + x, 0) / n;
  const my = ys.reduce((s, y) => s + y, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (xs[i]! - mx) * (ys[i]! - my);
    sxx += (xs[i]! - mx) ** 2;
  }
  const slope = sxx === 0 ? Number.NaN : sxy / sxx;
  return { slope, intercept: my - slope * mx };
}

/** Every series name that appears in any sample, in first-seen order. */
export function seriesNames(samples: readonly TSoakSample[]): string[] {
  const names: string[] = [];
  for (const s of samples) for (const k of Object.keys(s.rssMiB)) if (!names.includes(k)) names.push(k);
  return names;
}

export function analyseSoak(samples: readonly TSoakSample[], o: TAnalysisOptions = DEFAULT_ANALYSIS): TSoakAnalysis {
  const lastJobs = samples.length ? Math.max(...samples.map((s) => s.jobsDone)) : 0;
  const warmupJobs = Math.ceil(lastJobs * o.warmupFraction);
  const after = samples.filter((s) => s.jobsDone >= warmupJobs);
  const fittedJobs = after.length ? Math.max(...after.map((s) => s.jobsDone)) - Math.min(...after.map((s) => s.jobsDone)) : 0;
  const trends = seriesNames(samples).map((name) => trendOf(name, after, o));
  const db = after.filter((s) => s.dbBytes !== null);
  const dbFit = fitLine(db.map((s) => s.jobsDone), db.map((s) => s.dbBytes! / MIB));
  const verdicts = trends.map((t) => t.verdict);
  const verdict: TVerdict = verdicts.includes("FAIL") ? "FAIL" : verdicts.length === 0 || verdicts.includes("TOO_FEW_JOBS") ? "TOO_FEW_JOBS" : "PASS";
  return {
    warmupJobs,
    fittedJobs,
    limitPct: o.limitPct,
    trends,
    dbMiBPer1kJobs: db.length >= 2 && Number.isFinite(dbFit.slope) ? dbFit.slope * 1000 : null,
    verdict,
  };
}

function trendOf(name: string, after: readonly TSoakSample[], o: TAnalysisOptions): TTrend {
  const pts = after.flatMap((s) => {
    const v = s.rssMiB[name];
    return typeof v === "number" ? [{ x: s.jobsDone, y: v }] : [];
  });
  const ys = pts.map((p) => p.y);
  const meanMiB = ys.length ? ys.reduce((a, b) => a + b, 0) / ys.length : 0;
  const span = pts.length ? Math.max(...pts.map((p) => p.x)) - Math.min(...pts.map((p) => p.x)) : 0;
  const { slope } = fitLine(pts.map((p) => p.x), ys);
  const slopeMiBPer1kJobs = Number.isFinite(slope) ? slope * 1000 : 0;
  const pctPer1kJobs = meanMiB > 0 ? (slopeMiBPer1kJobs / meanMiB) * 100 : 0;
  const judged = pts.length >= o.minPoints && span >= o.minFittedJobs && Number.isFinite(slope);
  return {
    name,
    points: pts.length,
    meanMiB,
    minMiB: ys.length ? Math.min(...ys) : 0,
    maxMiB: ys.length ? Math.max(...ys) : 0,
    slopeMiBPer1kJobs,
    pctPer1kJobs,
    verdict: !judged ? "TOO_FEW_JOBS" : pctPer1kJobs > o.limitPct ? "FAIL" : "PASS",
  };
}
