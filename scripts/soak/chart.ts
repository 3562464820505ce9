// The soak's plot: RSS per process over time, the database's size and the jobs done, one panel
// each on a shared time axis. The spec is built by a pure function; vega renders it to SVG without a
// browser and sharp makes the PNG (the same route as scripts/fleet-report/memory-chart.ts).
import sharp from "sharp";
import * as vega from "vega";
import { compile, type TopLevelSpec } from "vega-lite";
import { seriesNames, type TSoakSample } from "./analysis.ts";

type TRow = { min: number; series: string; mib: number } | { min: number; dbMiB: number } | { min: number; jobs: number };

export function soakChartRows(samples: readonly TSoakSample[]): TRow[] {
  const t0 = samples[0]?.atMs ?? 0;
  const min = (ms: number) => Math.round((ms - t0) / 600) / 100;
  const rows: TRow[] = [];
  for (const s of samples) {
    for (const [series, mib] of Object.entries(s.rssMiB)) if (typeof mib === "number") rows.push({ min: min(s.atMs), series, mib: Math.round(mib * 10) / 10 });
    if (s.dbBytes !== null) rows.push({ min: min(s.atMs), dbMiB: Math.round((s.dbBytes / 1024 / 1024) * 10) / 10 });
    rows.push({ min: min(s.atMs), jobs: s.jobsDone });
  }
  return rows;
}

export function soakChartSpec(samples: readonly TSoakSample[], title: string, widthPx = 900): TopLevelSpec {
  const x = { field: "min", type: "quantitative", title: "minutes since the load started" } as const;
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title,
    background: "white",
    config: { legend: { labelLimit: 320 } },
    data: { values: soakChartRows(samples) },
    vconcat: [
      {
        width: widthPx,
        height: 320,
        transform: [{ filter: "isValid(datum.series)" }],
        mark: { type: "line", strokeWidth: 1.4, point: { size: 10 } },
        encoding: {
          x,
          y: { field: "mib", type: "quantitative", title: "RSS, MiB" },
          color: { field: "series", type: "nominal", title: "process", sort: seriesNames(samples), scale: { scheme: "tableau10" } },
        },
      },
      {
        width: widthPx,
        height: 140,
        transform: [{ filter: "isValid(datum.dbMiB)" }],
        mark: { type: "line", strokeWidth: 1.4, color: "#8c564b" },
        encoding: { x, y: { field: "dbMiB", type: "quantitative", title: "database, MiB", scale: { zero: false } } },
      },
      {
        width: widthPx,
        height: 140,
        transform: [{ filter: "isValid(datum.jobs)" }],
        mark: { type: "line", strokeWidth: 1.4, color: "#2ca02c" },
        encoding: { x, y: { field: "jobs", type: "quantitative", title: "jobs done" } },
      },
    ],
  };
}

export async function renderSoakChartPng(samples: readonly TSoakSample[], title: string): Promise<Buffer> {
  const view = new vega.View(vega.parse(compile(soakChartSpec(samples, title)).spec), { renderer: "none" });
  const svg = await view.toSVG(1.5);
  view.finalize();
  return sharp(Buffer.from(svg)).png().toBuffer();
}
