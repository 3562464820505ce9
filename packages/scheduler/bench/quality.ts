// Placement quality on one SIMULATED trace: headroom placement (the real `placeJob` and the real
// peak prediction, fitted from finished jobs) against round-robin and seeded random. Pure and
// deterministic: simulated time in 100 ms steps, no clock, no database.
import { DEFAULT_THRESHOLDS } from "@headroom/protocol";
import { admissionFailure, fitPeakModel, megapixelsOf, placeJob, predictPeakMiB, type TPeakModel, type TPeakObservation, type TPlacementNode } from "@headroom/policy";
import { backgroundSeries, HEARTBEAT_MS, simFleet, simTrace, STEP_MS, type TSimJob, type TSimNode, type TTraceOptions } from "./quality-trace.ts";
import { rng } from "./random.ts";
import { fmt, summarize, table, type TSummary } from "./stats.ts";

/** "claim-time": the alternative design, where a node with a free slot asks for the first queued job that fits it. */
export type TPolicy = "headroom" | "round-robin" | "random" | "claim-time";
/** "job-added": refuse when reading + the job's predicted peak breaks the rule; "reading-only": the shipped agent's `admit`, on the reading alone. */
export type TAdmission = "job-added" | "reading-only";

export type TQualityOptions = TTraceOptions & { maxAttempts: number };

type TRun = { job: TSimJob; predictedMiB: number; endMs: number };

export type TQualityResult = {
  policy: TPolicy;
  arrivalsPerS: number;
  /** Mean slot occupancy the trace asks for: arrivals × mean run time / slots. */
  offeredLoad: number;
  admission: TAdmission;
  completed: number;
  failed: number;
  refusals: number;
  ooms: number;
  waitS: TSummary;
  /** Highest share of each node's memory in use at any step, 0..1 (an OOM shows as 1). */
  peakShare: number[];
  overCapNodeS: number;
  endS: number;
};

const T = DEFAULT_THRESHOLDS;
const BATCH = 200; // jobs looked at per scheduling pass, as the tick's batch
const REFIT_MS = 30_000;
const HISTORY = 2_000;

function refused(liveMiB: number, totalMiB: number): boolean {
  return admissionFailure({ usedMiB: liveMiB, totalMiB, freeMiB: totalMiB - liveMiB }, T) !== null;
}

export function simulate(policy: TPolicy, admission: TAdmission, o: TQualityOptions): TQualityResult {
  const fleet: TSimNode[] = simFleet(o.seed);
  const trace = simTrace(o);
  const maxSteps = Math.ceil((o.arriveForMs * 3) / STEP_MS);
  const bg = fleet.map((n, i) => backgroundSeries(n, maxSteps, o.seed * 100 + i));
  const pick = rng(o.seed + 7);
  const running: TRun[][] = fleet.map(() => []);
  const reading = fleet.map((_, i) => bg[i]![0]!);
  const peakShare = fleet.map(() => 0);
  const attempts = new Map<string, number>();
  const history: TPeakObservation[] = [];
  const waits: number[] = [];
  let model: TPeakModel | null = null;
  let queue: TSimJob[] = [];
  let next = 0;
  let rr = 0;
  let completed = 0, failed = 0, refusals = 0, ooms = 0, overCapSteps = 0;
  let s = 0;
  const live = (i: number) => bg[i]![s]! + running[i]!.reduce((a, r) => a + r.job.truePeakMiB, 0);
  // Queue order is arrival order, as the tick's (priority, createdAt): a retried job goes back to its place.
  const requeue = (job: TSimJob) => {
    if ((attempts.get(job.id) ?? 0) >= o.maxAttempts) return void failed++;
    let lo = 0;
    let hi = queue.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (queue[mid]!.arriveMs < job.arriveMs) lo = mid + 1;
      else hi = mid;
    }
    queue.splice(lo, 0, job);
  };

  for (; s < maxSteps; s++) {
    const t = s * STEP_MS;
    fleet.forEach((_, i) => {
      running[i] = running[i]!.filter((r) => {
        if (r.endMs > t) return true;
        completed++;
        history.push({ megapixels: megapixelsOf(r.job), deltaMiB: r.job.truePeakMiB });
        return false;
      });
    });
    while (next < trace.length && trace[next]!.arriveMs <= t) queue.push(trace[next++]!);
    if (t % REFIT_MS === 0) model = fitPeakModel(history.slice(-HISTORY));
    if (t % HEARTBEAT_MS === 0) fleet.forEach((_, i) => (reading[i] = live(i)));
    if (next >= trace.length && queue.length === 0 && running.every((r) => r.length === 0)) break;

    const view: TPlacementNode[] = fleet.map((n, i) => ({
      id: n.id, name: n.name, predictionKey: "simulated|cuda", online: true, drained: false, maxConcurrent: n.maxConcurrent, totalMiB: n.totalMiB,
      usedMiB: reading[i]!, inFlightPeaksMiB: running[i]!.map((r) => r.predictedMiB), thresholds: T,
    }));
    const started = new Set<string>();
    const tried = new Set<string>();
    /** The agent's admission check at start, on the live reading; false when it refused the job (it goes back to the queue). */
    const start = (i: number, job: TSimJob, predictedMiB: number): boolean => {
      const now = live(i);
      if (refused(admission === "job-added" ? now + predictedMiB : now, fleet[i]!.totalMiB)) {
        refusals++;
        return false;
      }
      attempts.set(job.id, (attempts.get(job.id) ?? 0) + 1);
      running[i]!.push({ job, predictedMiB, endMs: t + job.durationMs });
      view[i]!.inFlightPeaksMiB.push(predictedMiB);
      waits.push((t - job.arriveMs) / 1_000);
      started.add(job.id);
      return true;
    };
    if (policy === "claim-time") {
      // Each node with a free slot, in turn (as agents' long-polls come in), takes the first queued job
      // that passes placement's checks on that node alone; a refused job waits for the next pass.
      const window = queue.slice(0, BATCH);
      for (let k = 0; k < fleet.length; k++) {
        const i = (rr + k) % fleet.length;
        while (running[i]!.length < fleet[i]!.maxConcurrent) {
          const job = window.find((j) => !started.has(j.id) && !tried.has(j.id) && placeJob([view[i]!], { id: j.id, predictedPeakMiB: predictPeakMiB(j, model), peakMiBByKey: {} }).ok);
          if (!job) break;
          if (!start(i, job, predictPeakMiB(job, model))) {
            tried.add(job.id);
            break;
          }
        }
      }
      rr++;
    }
    // Within a pass nodes only fill up, and every rejection grows with the job's peak, so a job
    // at least as large as one placeJob already turned down would be turned down too: skip the call.
    let smallestUnplaceable = Infinity;
    for (const job of policy === "claim-time" ? [] : queue.slice(0, BATCH)) {
      const free = fleet.map((_, i) => i).filter((i) => running[i]!.length < fleet[i]!.maxConcurrent);
      if (free.length === 0) break;
      const predictedMiB = predictPeakMiB(job, model);
      let i: number;
      if (policy === "headroom") {
        if (predictedMiB >= smallestUnplaceable) continue;
        const d = placeJob(view, { id: job.id, predictedPeakMiB: predictedMiB, peakMiBByKey: {} });
        if (!d.ok) {
          smallestUnplaceable = predictedMiB;
          continue;
        }
        i = fleet.findIndex((n) => n.id === d.nodeId);
      } else if (policy === "round-robin") {
        i = free.find((k) => k >= rr % fleet.length) ?? free[0]!;
        rr = i + 1;
      } else {
        i = free[Math.floor(pick() * free.length)]!;
      }
      start(i, job, predictedMiB);
    }
    if (started.size) queue = queue.filter((j) => !started.has(j.id));

    // Out of memory: while true use exceeds the card, the newest job's allocation fails; it is retried.
    fleet.forEach((n, i) => {
      let use = live(i);
      if (use > 0.9 * n.totalMiB) overCapSteps++;
      while (use > n.totalMiB && running[i]!.length > 0) {
        const victim = running[i]!.pop()!;
        ooms++;
        waits.pop(); // its wait is counted again when it starts for real
        use -= victim.job.truePeakMiB;
        requeue(victim.job);
      }
      peakShare[i] = Math.max(peakShare[i]!, Math.min(1, live(i) / n.totalMiB));
    });
  }
  const slots = fleet.reduce((a, n) => a + n.maxConcurrent, 0);
  const offeredLoad = (trace.reduce((a, j) => a + j.durationMs, 0) / o.arriveForMs) / slots;
  return { policy, arrivalsPerS: o.arrivalsPerS, offeredLoad, admission, completed, failed, refusals, ooms, waitS: summarize(waits), peakShare, overCapNodeS: (overCapSteps * STEP_MS) / 1_000, endS: (s * STEP_MS) / 1_000 };
}

export type TScenario = { arrivalsPerS: number; admission: TAdmission };

/** Every policy on every scenario; the trace differs between scenarios only in its arrival rate. */
export function benchQuality(o: Omit<TQualityOptions, "arrivalsPerS">, scenarios: readonly TScenario[]): TQualityResult[] {
  return scenarios.flatMap((sc) =>
    (["headroom", "claim-time", "round-robin", "random"] as const).map((policy) => simulate(policy, sc.admission, { ...o, arrivalsPerS: sc.arrivalsPerS })),
  );
}

export function qualityReport(o: TQualityOptions, results: TQualityResult[]): string {
  const fleet = simFleet(o.seed);
  const trace = simTrace(o);
  const kinds = ["receipt", "photo", "scan", "pdf"].map((k) => `${k} ${trace.filter((j) => j.kind === k).length}`).join(", ");
  const peaks = trace.map((j) => j.truePeakMiB);
  const pk = summarize(peaks);
  const prior = summarize(trace.map((j) => predictPeakMiB(j)));
  const n = (x: number) => fmt(x, 0);
  const rows = results.map((r) => [
    `${r.arrivalsPerS}/s (${fmt(r.offeredLoad * 100, 0)} %)`, r.admission, `**${r.policy}**`, n(r.completed), n(r.failed), n(r.refusals), n(r.ooms), fmt(r.waitS.p50, 2), fmt(r.waitS.p99, 2), fmt(r.overCapNodeS, 1), n(r.endS),
  ]);
  const first = results.filter((r) => r.admission === "job-added" && r.arrivalsPerS === o.arrivalsPerS);
  const perNode = fleet.map((n, i) => [
    `${n.name} (${Math.round(n.totalMiB / 1024)} GiB, ${n.maxConcurrent} slots, co-tenant mean ${Math.round(n.coTenantMean * 100)} %)`,
    ...first.map((r) => `${fmt(r.peakShare[i]! * 100, 1)} %`),
  ]);
  return [
    table(["arrivals (offered load)", "admission rule", "policy", "completed", "failed (3 OOMs)", "admission refusals", "OOM kills", "wait p50 s", "wait p99 s", "node-s over 90 % cap", "all done at s"], rows),
    "",
    `Peak memory use per node (max over the run, ${o.arrivalsPerS}/s, admission rule "job-added"; 100 % means the card ran out):`,
    "",
    table(["SIMULATED node", ...first.map((r) => r.policy)], perNode),
    "",
    `- All SIMULATED. Fleet: 8 × 80 GiB (6 slots, 6 GiB resident) and 4 × 24 GiB (2 slots, 5 GiB resident); other tenants' memory on each card drifts (Ornstein–Uhlenbeck around a per-node mean of 5–50 % of the card, 2 min reversion, 8 % spread; resident + co-tenants capped at 85 %).`,
    `- Trace: ${trace.length} jobs at ${o.arrivalsPerS}/s (Poisson, for ${o.arriveForMs / 1_000} s of simulated time: ${kinds}); the other rows use the same seed at another rate. Offered load = arrivals × mean run time ÷ ${fleet.reduce((a, x) => a + x.maxConcurrent, 0)} slots. True peak per page = (300 + 250 MiB/MP) × lognormal(σ 0.2), 3 % of pages ×1.8: p50 ${fmt(pk.p50)} MiB, p99 ${fmt(pk.p99)}, max ${fmt(pk.max)}. The prior predicts p50 ${fmt(prior.p50)} MiB (it was set for PP-OCR, smaller), so the first 30 s run on an underestimate until the fit (the real \`fitPeakModel\`, refitted every 30 s over the last 2,000 finished jobs) takes over. A job holds its peak for its whole run (150 ms + 100 ms/MP per page), which is pessimistic for every policy alike.`,
    `- Headroom: the real \`placeJob\` over readings that arrive every ${HEARTBEAT_MS / 1_000} s (heartbeat), minus the predicted peaks of jobs in flight, as the tick does. Claim-time is the alternative design (place when an agent asks "what fits me"): each node with a free slot, in rotating order, takes the first of the queued jobs that passes the same checks (\`placeJob\` on that node alone), so a job goes to whichever node asks first, not to the one with most headroom. Round-robin and random ignore memory and only respect free slots (random seeded). Every policy sees the same fleet, background and jobs, and looks at up to ${BATCH} queued jobs per 100 ms pass.`,
    `- At start the SIMULATED agent checks admission on the live use: "job-added" refuses when live use + the job's predicted peak would pass ${T.admissionMaxUsagePct} % or leave under ${T.admissionMinFreeMiB} MiB free (the rule this benchmark was asked to apply); "reading-only" is what the shipped agent's \`admit\` does (live use alone). A refused job goes back to the queue at once (the real agent also backs off; not modelled). An OOM kill counts as an attempt; a job OOM-killed ${o.maxAttempts} times fails.`,
  ].join("\n");
}
