import { describe, expect, it } from "vitest";
import type { TSoakSample } from "./analysis.ts";
import { renderSoakChartPng, soakChartRows } from "./chart.ts";

const samples: TSoakSample[] = [0, 1, 2].map((i) => ({
  atMs: 1_000_000 + i * 30_000,
  jobsDone: i * 10,
  rssMiB: { web0: 300 + i, "cpu0 runners": i === 1 ? null : 500 },
  dbBytes: i === 2 ? null : (40 + i) * 1024 * 1024,
  load1: 3,
}));

describe("soak chart", () => {
  it("has a row per reading, minutes from the first sample, and leaves gaps where a reading is missing", () => {
    const rows = soakChartRows(samples);
    expect(rows.filter((r) => "series" in r && r.series === "cpu0 runners").map((r) => r.min)).toEqual([0, 1]);
    expect(rows.filter((r) => "dbMiB" in r)).toEqual([{ min: 0, dbMiB: 40 }, { min: 0.5, dbMiB: 41 }]);
    expect(rows.filter((r) => "jobs" in r).map((r) => ("jobs" in r ? r.jobs : -1))).toEqual([0, 10, 20]);
  });

  it("renders a PNG", async () => {
    const png = await renderSoakChartPng(samples, "test");
    expect(png.subarray(1, 4).toString("latin1")).toBe("PNG");
  });
});
