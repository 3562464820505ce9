// From fleet runs to one Markdown report and the memory charts it links. Pure apart from the
// chart rendering, which the CLI (report-cli.ts) drives: this module says which charts to make.
import { counts, fmt, pct, table } from "./markdown.ts";
import { jobOverhead, memoryPeaks, memoryRules, phaseKind, phaseWorkload, placement, scaling, stageMediansByKind, stageMediansPerPage, stageNames, throughput } from "./metrics.ts";
import type { TFleetRun } from "./types.ts";

export type TNamedRun = { name: string; run: TFleetRun };
export type TChartJob = { runName: string; phaseLabel: string; fileName: string; title: string };

/** Plain file names: lower case, [a-z0-9-] only. */
export function slug(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "") || "x";
}

/** `run-a.json.gz` → `run-a`; duplicates get -2, -3 so every run keeps its own charts. */
export function runNames(paths: readonly string[]): string[] {
  const seen = new Map<string, number>();
  return paths.map((p) => {
    const base = slug((p.split("/").pop() ?? p).replace(/\.json(\.gz)?$/, ""));
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    return n === 1 ? base : `${base}-${n}`;
  });
}

export function chartJobs(runs: readonly TNamedRun[]): TChartJob[] {
  return runs.flatMap(({ name, run }) =>
    run.phases
      .filter((p) => p.nodes.length > 0)
      .map((p) => ({ runName: name, phaseLabel: p.label, fileName: `${name}-${slug(p.label)}-memory.png`, title: `${name} · ${p.label}: device memory per node` })),
  );
}

/** The whole report; `chartHref` turns a chart's file name into the link the Markdown uses. */
export function renderReport(runs: readonly TNamedRun[], chartHref: (fileName: string) => string, generatedAt = new Date()): string {
  const out = [`# Fleet report`, "", `Generated ${generatedAt.toISOString()} from ${runs.map((r) => `\`${r.name}\``).join(", ")} by \`npm run fleet:report\`.`];
  for (const r of runs) out.push("", ...runSection(r, chartHref));
  out.push("", definitions());
  return out.join("\n") + "\n";
}

function runSection({ name, run }: TNamedRun, chartHref: (fileName: string) => string): string[] {
  const h = run.host;
  const gpus = h.gpus.length ? h.gpus.map((g) => `${g.index}: ${g.name} (${g.totalMiB} MiB${g.bus ? `, ${g.bus}` : ""})`).join("; ") : "none";
  const tp = run.phases.map(throughput);
  const stages = stageNames(run.phases);
  const charts = chartJobs([{ name, run }]);
  return [
    `## Run \`${name}\``,
    "",
    `Host \`${h.name}\`, ${h.cpuCores} CPU cores, driver ${h.driver ?? "–"}, ${h.date}. GPUs: ${gpus}.`,
    `Command: \`${run.command}\``,
    "",
    "### Throughput",
    "",
    table(
      ["phase", "agents", "pages of", "jobs", "ok", "failed", "pages", "wall s", "pages/s", "pages/s per agent", "latency p50 s", "latency p90 s", "latency p95 s", "runner peak MiB", "device peak MiB"],
      tp.map((t, i) => {
        const p = run.phases[i]!;
        const m = memoryPeaks(p);
        return [
          t.label, `${t.gpus} ${phaseKind(p) === "cpu" ? "CPU" : "GPU"}`, phaseWorkload(p), t.jobs, t.succeeded, t.failed, t.pages, t.wallS,
          t.pagesPerS, t.pagesPerSPerGpu, t.latencyP50S, t.latencyP90S, t.latencyP95S, m.runnerPeakMiB, m.devicePeakMiB,
        ].map(round2);
      }),
    ),
    "",
    "### Per GPU",
    "",
    table(
      ["phase", "node", "jobs done", "pages", "pages/s"],
      tp.flatMap((t) => t.perNode.map((n) => [t.label, n.name, n.jobs, n.pages, round2(n.pagesPerS)])),
    ),
    "",
    "### Scaling",
    "",
    table(
      ["phase", "GPUs", "pages/s", "speed-up", "efficiency"],
      // Only the plain GPU phases: a tight budget, a killed runner or CPU agents measure something else.
      scaling(tp.flatMap((t, i) => (phaseKind(run.phases[i]!) === "gpu" ? [{ ...t, workload: phaseWorkload(run.phases[i]!) }] : []))).map((s) => [s.label, s.gpus, round2(s.pagesPerS), round2(s.speedup), pct(s.efficiency)]),
    ),
    "",
    "### Placement",
    "",
    table(
      ["phase", "decisions", "per node", "headroom min MiB", "median", "max", "predicted peak p50 MiB", "wait p50 s", "wait p90 s", "still unplaced", "others passed over"],
      run.phases.map(placement).map((p) => [
        p.label, p.decisions, counts(p.jobsPerNode), p.headroomMinMiB, round0(p.headroomMedianMiB), p.headroomMaxMiB, round0(p.predictedPeakMedianMiB),
        round2(p.waitP50S), round2(p.waitP90S), counts(p.unplaced), counts(p.passedOver),
      ]),
    ),
    "",
    "### Memory rules",
    "",
    table(
      ["phase", "refusals", "cleanups", "freed MiB (sum)", "freed MiB (p50)", "sweeps", "sweep freed MiB", "runner restarts", "OOM events", "over-cap aborts", "retries", "lease expiries", "failed by code"],
      run.phases.map(memoryRules).map((m) => [
        m.label, m.refusals, m.cleanups, m.cleanupFreedSumMiB, round0(m.cleanupFreedMedianMiB), m.sweeps, m.sweepFreedSumMiB,
        m.runnerRestarts ? `${m.runnerRestarts} (${counts(m.runnerRestartsByReason)})` : 0, m.ooms, m.overCapAborts, m.retries, m.leaseExpiries, counts(m.failedByCode),
      ]),
    ),
    "",
    "### Stage times (median ms per page, succeeded jobs)",
    "",
    stages.length ? table(["phase", ...stages], run.phases.map((p) => [p.label, ...stages.map((s) => round1(stageMediansPerPage(p, stages)[s] ?? null))])) : "No job reported stage times.",
    "",
    ...(stages.length
      ? [
          "By kind of page:",
          "",
          table(["phase", "kind", "jobs", ...stages], run.phases.flatMap((p) => stageMediansByKind(p, stages).map((k) => [k.label, k.kind, k.jobs, ...stages.map((s) => round1(k.medians[s] ?? null))]))),
          "",
        ]
      : []),
    "### Around the OCR (median ms per job)",
    "",
    table(
      ["phase", "in the agent, outside OCR (image to the runner, last reading, result upload)", "between jobs on a node (rules, claim, image download, admission)"],
      run.phases.map(jobOverhead).map((o) => [o.label, round0(o.outsideOcrP50Ms), round0(o.betweenJobsP50Ms)]),
    ),
    "",
    "### Memory over time",
    "",
    ...charts.flatMap((c) => [`![${c.title}](${chartHref(c.fileName)})`, ""]),
    ...thresholdNotes(run),
  ];
}

function thresholdNotes(run: TFleetRun): string[] {
  const lines = run.phases.flatMap((p) => {
    const o = Object.entries(p.thresholds.overrides).filter(([, v]) => Object.keys(v).length > 0);
    const parts = [
      ...o.map(([node, v]) => `${node} overrides ${Object.entries(v).map(([k, x]) => `${k}=${x}`).join(", ")}`),
      ...(p.thresholds.changes.length ? [`${p.thresholds.changes.length} settings change(s) during the phase`] : []),
    ];
    return parts.length ? [`- ${p.label}: ${parts.join("; ")}`] : [];
  });
  return lines.length ? ["Thresholds that differed from the fleet's:", "", ...lines] : [];
}

function definitions(): string {
  return [
    "## How the numbers are made",
    "",
    "- wall s: the first job's creation to the last job's finish (database clock); pages/s = pages of succeeded jobs / wall s; per GPU: that node's pages / the phase's wall s.",
    "- pages of: `mixed`, the whole workload, or the one kind of page a subset phase offered alone (plan suffix `:a4` → `a4-150dpi`), repeated to fill its window; its pages/s are that kind's.",
    "- latency: a succeeded job's creation (its upload) to its finish. Every phase offers its pages at once, so latency includes the wait in the queue. Scaling efficiency: pages/s(n) / (n × pages/s of the run's first one-GPU phase of the same pages).",
    "- runner peak MiB: the largest runner memory any agent of the phase reported in its samples (device MiB of its runner processes, summed over runner slots; RSS on a CPU agent). Device peak MiB: the largest whole-device use any agent reported (on a CPU agent: its own and its runners' RSS).",
    "- headroom: what the placement decision saw on the node it chose (effective limit − used − reserved), from each `placed` job event. Wait: creation to the last placement.",
    "- still unplaced: jobs queued with a reason at export time (the scheduler records no event for a pass that finds no node). Others passed over: the reasons other nodes were rejected, summed over decisions.",
    "- thresholds (chart lines, overrides) are those in force when the phase was exported; settings changes inside the window are counted from the audit.",
    "- refusals: `refused` job events (the agent's admission check on its live reading). Freed MiB: measured before − after a runner recycle. Over-cap aborts: `oom` events of jobs stopped for crossing the memory cap.",
  ].join("\n");
}

const round = (digits: number) => (v: number | string | null) => (typeof v === "number" ? Math.round(v * 10 ** digits) / 10 ** digits : v);
const round0 = round(0);
const round1 = round(1);
const round2 = round(2);
