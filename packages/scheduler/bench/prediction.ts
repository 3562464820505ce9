// Prediction error as history grows (SIMULATED jobs from quality-trace.ts: true peaks follow the
// document mix with noise, unknown to the predictor). For each history size n, the real
// `fitPeakModel` is fitted on the first n finished jobs and scored on the next 2,000.
//   npx tsx packages/scheduler/bench/prediction.ts
import { fitPeakModel, megapixelsOf, predictPeakMiB } from "@headroom/policy";
import { simTrace } from "./quality-trace.ts";
import { fmt, percentile, table } from "./stats.ts";

export function predictionErrorReport(): string[] {
  const trace = simTrace({ seed: 7, arrivalsPerS: 32, arriveForMs: 600_000 });
  const held = trace.slice(10_000, 12_000);
  const rows = [0, 10, 20, 50, 100, 500, 2_000, 10_000].map((n) => {
    const model = fitPeakModel(trace.slice(0, n).map((j) => ({ megapixels: megapixelsOf(j), deltaMiB: j.truePeakMiB })));
    const errs = held.map((j) => predictPeakMiB(j, model) - j.truePeakMiB);
    const absPct = held.map((j, i) => Math.abs(errs[i]!) / j.truePeakMiB);
    const under = errs.filter((e) => e < 0).length / held.length;
    return [n.toLocaleString("en-US"), model ? "fit" : "prior", fmt(percentile(absPct, 50) * 100, 1) + " %", fmt(percentile(absPct, 90) * 100, 1) + " %", fmt(under * 100, 1) + " %"];
  });
  return [
    "## 4. Prediction error as history grows",
    "",
    table(["history (finished jobs)", "predictor", "median |error| / true peak", "p90 |error| / true peak", "under-predicted"], rows),
    "",
    "- SIMULATED jobs (the trace of section 3; true peak per page = (300 + 250 MiB/MP) × lognormal noise, 3 % of pages ×1.8). The predictor is the real `fitPeakModel` + `predictPeakMiB` (least-squares fit × the 95th percentile of observed/fitted); below 20 jobs it keeps the prior. Scored on 2,000 later jobs it never saw.",
    "- Under-prediction is what risks memory; over-prediction only costs placement room. The 2σ margin trades the second for the first.",
    "- Command: `npx tsx packages/scheduler/bench/prediction.ts`.",
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(predictionErrorReport().join("\n"));
