import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { memoryChartRows, renderMemoryChartPng, thresholdLines } from "./memory-chart.ts";
import { at, dumpNode, nodeEvent, phase } from "./test-phase.ts";

describe("thresholdLines", () => {
  it.each([
    {
      name: "shares of the node's total; admission where the free floor bites first",
      node: dumpNode({ totalMiB: 8_000 }),
      want: [["admission 95 % / 500 MiB free", 7_500], ["cap 90 %", 7_200], ["cleanup 80 %", 6_400], ["sweep 70 %", 5_600]],
    },
    {
      name: "shares of the budget when one is set",
      node: dumpNode({ totalMiB: 80_000, thresholds: { memoryCapPct: 90, memoryBudgetMiB: 2_048 } }),
      want: [["cap 90 %", 1_843]],
    },
    { name: "no line for a threshold the dump lacks", node: dumpNode({ thresholds: {} }), want: [] },
  ])("$name", ({ node, want }) => {
    expect(thresholdLines(node).map((l) => [l.rule, l.mib])).toEqual(want);
  });
});

describe("memory chart", () => {
  const p = phase({
    samples: [
      { nodeName: "gpu0", at: at(1), usedMiB: 1_000, totalMiB: 10_000, processMiB: 800 },
      { nodeName: "gpu0", at: at(2), usedMiB: 8_500, totalMiB: 10_000, processMiB: 8_000 },
      { nodeName: "gpu0", at: at(3), usedMiB: 1_200, totalMiB: 10_000, processMiB: 900 },
    ],
    nodeEvents: [
      nodeEvent({ type: "cleanup", createdAt: at(2.2), beforeMiB: 8_400, afterMiB: 1_100, freedMiB: 7_300 }),
      nodeEvent({ type: "runner_restart", createdAt: at(2.9) }),
      nodeEvent({ type: "online", createdAt: at(0) }),
    ],
  });

  it("puts events without a reading on the nearest sample and leaves other events out", () => {
    const events = memoryChartRows(p).filter((r) => r.kind === "event");
    expect(events).toEqual([
      { node: "gpu0", kind: "event", event: "cleanup", t: 2.2, mib: 8_400 },
      { node: "gpu0", kind: "event", event: "runner_restart", t: 2.9, mib: 1_200 },
    ]);
  });

  it("renders a PNG", async () => {
    const png = await renderMemoryChartPng(p, "test");
    const meta = await sharp(png).metadata();
    expect(meta.format).toBe("png");
    expect(meta.width).toBeGreaterThan(900);
  });
});
