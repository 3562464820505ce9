// Device memory over a phase, one small chart per node: usedMiB from the samples, the thresholds as
// horizontal lines at their share of the node's memory, and the rule events as markers. The spec is
// built by a pure function (tested); vega renders it to SVG without a browser and sharp makes a PNG.
import { budgetedTotalMiB } from "@headroom/policy";
import sharp from "sharp";
import * as vega from "vega";
import { compile, type TopLevelSpec } from "vega-lite";
import type { TDumpNode, TPhaseDump } from "./types.ts";

export type TThresholdLine = { rule: string; mib: number };

/** Memory the thresholds are shares of: the node's total, or its budget when one is set (0 = none). */
function budgetMiB(node: TDumpNode): number {
  const budget = node.thresholds.memoryBudgetMiB;
  return budgetedTotalMiB(node.totalMiB, typeof budget === "number" ? budget : 0);
}

/** The rules' lines for one node, in MiB; a threshold the dump lacks gets no line. */
export function thresholdLines(node: TDumpNode): TThresholdLine[] {
  const t = node.thresholds;
  const total = budgetMiB(node);
  const pct = (key: string) => (typeof t[key] === "number" ? Math.round((total * t[key]) / 100) : null);
  const lines: TThresholdLine[] = [];
  const admission = pct("admissionMaxUsagePct");
  if (admission !== null) {
    // Admission refuses above the usage share or under the free-MiB floor, whichever bites first.
    const floor = typeof t.admissionMinFreeMiB === "number" ? total - t.admissionMinFreeMiB : admission;
    lines.push({ rule: `admission ${t.admissionMaxUsagePct} % / ${t.admissionMinFreeMiB ?? 0} MiB free`, mib: Math.min(admission, floor) });
  }
  for (const [key, name] of [["memoryCapPct", "cap"], ["cleanupAbovePct", "cleanup"], ["sweepAbovePct", "sweep"]] as const) {
    const mib = pct(key);
    if (mib !== null) lines.push({ rule: `${name} ${t[key]} %`, mib });
  }
  return lines;
}

const MARKED_EVENTS = ["cleanup", "sweep", "refusal", "oom", "runner_restart"];

type TRow =
  | { node: string; kind: "used"; t: number; mib: number }
  | { node: string; kind: "rule"; rule: string; mib: number }
  | { node: string; kind: "event"; event: string; t: number; mib: number };

/** Rows for the chart: samples, threshold lines and events per node, times in s since the window opened. */
export function memoryChartRows(phase: TPhaseDump): TRow[] {
  const t0 = Date.parse(phase.since);
  const s = (iso: string) => Math.round((Date.parse(iso) - t0) / 100) / 10;
  const rows: TRow[] = [];
  for (const node of phase.nodes) {
    const samples = phase.samples.filter((x) => x.nodeName === node.name);
    for (const x of samples) rows.push({ node: node.name, kind: "used", t: s(x.at), mib: x.usedMiB });
    for (const l of thresholdLines(node)) rows.push({ node: node.name, kind: "rule", rule: l.rule, mib: l.mib });
    for (const e of phase.nodeEvents) {
      if (e.nodeName !== node.name || !MARKED_EVENTS.includes(e.type)) continue;
      // Events without a reading (runner restarts) sit on the nearest sample's line.
      const mib = e.beforeMiB ?? nearestUsedMiB(samples, Date.parse(e.createdAt));
      rows.push({ node: node.name, kind: "event", event: e.type, t: s(e.createdAt), mib });
    }
  }
  return rows;
}

function nearestUsedMiB(samples: readonly { at: string; usedMiB: number }[], atMs: number): number {
  let best: { dMs: number; mib: number } | null = null;
  for (const x of samples) {
    const dMs = Math.abs(Date.parse(x.at) - atMs);
    if (best === null || dMs < best.dMs) best = { dMs, mib: x.usedMiB };
  }
  return best?.mib ?? 0;
}

export function memoryChartSpec(phase: TPhaseDump, title: string, size = { widthPx: 900, rowHeightPx: 170 }): TopLevelSpec {
  const maxMiB = Math.max(1, ...phase.nodes.map((n) => n.totalMiB), ...phase.samples.map((x) => x.usedMiB));
  const x = { field: "t", type: "quantitative", title: "s since the phase started" } as const;
  const y = { field: "mib", type: "quantitative", title: "used MiB", scale: { domain: [0, maxMiB] as number[] } } as const;
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title,
    background: "white",
    config: { legend: { labelLimit: 320 } },
    data: { values: memoryChartRows(phase) },
    facet: { row: { field: "node", type: "nominal", title: null, sort: phase.nodes.map((n) => n.name) } },
    spec: {
      width: size.widthPx,
      height: size.rowHeightPx,
      layer: [
        { transform: [{ filter: "datum.kind === 'used'" }], mark: { type: "line", strokeWidth: 1.2, color: "#1f4e79" }, encoding: { x, y } },
        {
          transform: [{ filter: "datum.kind === 'rule'" }],
          mark: { type: "rule", strokeDash: [5, 3], strokeWidth: 1.2 },
          encoding: { y, color: { field: "rule", type: "nominal", title: "threshold", scale: { scheme: "set1" } } },
        },
        {
          transform: [{ filter: "datum.kind === 'event'" }],
          mark: { type: "point", filled: true, size: 70, opacity: 0.9 },
          encoding: {
            x,
            y,
            shape: { field: "event", type: "nominal", title: "event", scale: { domain: MARKED_EVENTS } },
            color: { field: "event", type: "nominal", title: "event", scale: { domain: MARKED_EVENTS, range: ["#2ca02c", "#17becf", "#d62728", "#000000", "#ff7f0e"] } },
          },
        },
      ],
      // Thresholds and events each get their own colours and legend.
      resolve: { scale: { color: "independent", shape: "independent" } },
    },
  };
}

export async function renderMemoryChartPng(phase: TPhaseDump, title: string): Promise<Buffer> {
  const view = new vega.View(vega.parse(compile(memoryChartSpec(phase, title)).spec), { renderer: "none" });
  // Scale 1.5: readable when GitHub shrinks the image to the page width.
  const svg = await view.toSVG(1.5);
  view.finalize();
  return sharp(Buffer.from(svg)).png().toBuffer();
}
