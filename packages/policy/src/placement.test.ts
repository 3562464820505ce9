import { DEFAULT_THRESHOLDS } from "@headroom/protocol";
import { describe, expect, it } from "vitest";
import { placeJob, summarizeCandidates, type TPlacementNode } from "./placement.ts";

function makeNode(over: Partial<TPlacementNode> & { id: string }): TPlacementNode {
  return {
    name: over.id,
    online: true,
    drained: false,
    maxConcurrent: 2,
    totalMiB: 10_000,
    usedMiB: 1_000,
    inFlightPeaksMiB: [],
    thresholds: DEFAULT_THRESHOLDS,
    ...over,
  };
}

describe("placeJob", () => {
  const job = { id: "j", predictedPeakMiB: 500 };
  it.each<[string, TPlacementNode[], string | null]>([
    ["most headroom wins", [makeNode({ id: "a", usedMiB: 5_000 }), makeNode({ id: "b", usedMiB: 2_000 })], "b"],
    ["reservations count against headroom", [makeNode({ id: "a", usedMiB: 1_000, inFlightPeaksMiB: [4_000] }), makeNode({ id: "b", usedMiB: 3_000 })], "b"],
    ["tie → fewer in flight", [makeNode({ id: "a", usedMiB: 1_000, inFlightPeaksMiB: [0] }), makeNode({ id: "b", usedMiB: 1_000 })], "b"],
    ["tie → smaller id", [makeNode({ id: "b" }), makeNode({ id: "a" })], "a"],
    ["offline skipped", [makeNode({ id: "a", online: false }), makeNode({ id: "b", usedMiB: 8_000 })], "b"],
    ["drained skipped", [makeNode({ id: "a", drained: true }), makeNode({ id: "b", usedMiB: 8_000 })], "b"],
    ["concurrency limit", [makeNode({ id: "a", maxConcurrent: 1, inFlightPeaksMiB: [1] }), makeNode({ id: "b", usedMiB: 8_000 })], "b"],
    ["cap: 9,000 limit − 8,600 used < 500", [makeNode({ id: "a", usedMiB: 8_600 })], null],
    ["exactly fits the cap", [makeNode({ id: "a", usedMiB: 8_500 })], "a"],
    ["min free binds on a small card", [makeNode({ id: "a", totalMiB: 2_000, usedMiB: 1_100 })], null],
    [
      "admission % stricter than cap",
      [makeNode({ id: "a", usedMiB: 7_600, thresholds: { ...DEFAULT_THRESHOLDS, memoryCapPct: 100, admissionMaxUsagePct: 80 } })],
      null,
    ],
    ["no nodes", [], null],
  ])("%s", (_name, nodes, expected) => {
    const d = placeJob(nodes, job);
    expect(d.ok ? d.nodeId : null).toBe(expected);
  });

  it.each<[string, TPlacementNode[], RegExp]>([
    ["none registered", [], /No nodes have registered/],
    ["all offline", [makeNode({ id: "a", online: false })], /No node is online/],
    ["all drained", [makeNode({ id: "a", drained: true })], /drained/],
    ["all busy", [makeNode({ id: "a", maxConcurrent: 1, inFlightPeaksMiB: [1] })], /busy/],
    ["no headroom", [makeNode({ id: "a", usedMiB: 8_900 })], /No node has 500 MiB of headroom for this job \(best: 100 MiB\)/],
  ])("unschedulable: %s", (_name, nodes, reason) => {
    const d = placeJob(nodes, job);
    expect(d.ok).toBe(false);
    if (!d.ok) expect(d.reason).toMatch(reason);
  });

  // headroomNeededMiB marks a job that waits for memory alone: the smallest peak among the nodes that
  // turned it down for admission or headroom. Peaks: 500 by default, 300 on a node keyed "small".
  it.each<[string, TPlacementNode[], number | null]>([
    ["no headroom on the only node", [makeNode({ id: "a", usedMiB: 8_900 })], 500],
    ["would leave under the free floor", [makeNode({ id: "a", totalMiB: 2_000, usedMiB: 1_100 })], 500],
    ["the smallest peak of the nodes short of memory", [makeNode({ id: "a", usedMiB: 8_900 }), makeNode({ id: "b", usedMiB: 8_900, predictionKey: "small" })], 300],
    ["a busy node's peak does not count", [makeNode({ id: "a", usedMiB: 8_900 }), makeNode({ id: "b", predictionKey: "small", maxConcurrent: 1, inFlightPeaksMiB: [1] })], 500],
    ["offline and drained: not memory", [makeNode({ id: "a", online: false }), makeNode({ id: "b", drained: true })], null],
    ["all busy: not memory", [makeNode({ id: "a", maxConcurrent: 1, inFlightPeaksMiB: [1] })], null],
    ["no nodes", [], null],
  ])("headroomNeededMiB: %s", (_name, nodes, expected) => {
    const d = placeJob(nodes, { id: "j", predictedPeakMiB: 500, peakMiBByKey: { small: 300 } });
    expect(d.ok).toBe(false);
    if (!d.ok) expect(d.headroomNeededMiB).toBe(expected);
  });

  it.each<[string, TPlacementNode[], string | null]>([
    ["the retry goes to the other node though the failing one has more headroom", [makeNode({ id: "a" }), makeNode({ id: "b", usedMiB: 8_000 })], "b"],
    ["it waits for the other node rather than go back", [makeNode({ id: "a" }), makeNode({ id: "b", maxConcurrent: 1, inFlightPeaksMiB: [1] })], null],
    ["the failing node is used when no other node is active", [makeNode({ id: "a" }), makeNode({ id: "b", drained: true })], "a"],
    ["or when every node failed it", [makeNode({ id: "a", usedMiB: 3_000 }), makeNode({ id: "b" })], "b"],
  ])("retry elsewhere: %s", (name, nodes, expected) => {
    const avoidNodeIds = name.startsWith("or when") ? ["a", "b"] : ["a"];
    const d = placeJob(nodes, { id: "j", predictedPeakMiB: 500, avoidNodeIds });
    expect(d.ok ? d.nodeId : null).toBe(expected);
    if (!d.ok) expect(d.reason).toMatch(/other than the one where an earlier attempt failed/);
  });

  it("uses the prediction for each node's model and provider", () => {
    const nodes = [makeNode({ id: "a", predictionKey: "pp-ocrv4|webgpu", usedMiB: 8_000 }), makeNode({ id: "b", predictionKey: "pp-ocrv4|cpu", usedMiB: 8_200 })];
    // webgpu needs 1,500 (only 1,000 headroom on a); cpu needs 300 (800 on b)
    const d = placeJob(nodes, { id: "j", predictedPeakMiB: 900, peakMiBByKey: { "pp-ocrv4|webgpu": 1_500, "pp-ocrv4|cpu": 300 } });
    expect(d.ok && d.nodeId).toBe("b");
    expect(d.predictedPeakMiB).toBe(300);
  });

  it("reports the figures each decision saw", () => {
    const d = placeJob([makeNode({ id: "a", usedMiB: 2_000, inFlightPeaksMiB: [300] })], job);
    expect(d.ok && d.chosen).toEqual({ nodeId: "a", name: "a", effectiveLimitMiB: 9_000, usedMiB: 2_000, reservedMiB: 300, headroomMiB: 6_700, inFlight: 1 });
  });
});

describe("summarizeCandidates", () => {
  it("keeps the best few and counts the rest by reason", () => {
    const nodes = [
      ...Array.from({ length: 20 }, (_, i) => makeNode({ id: `ok${String(i).padStart(2, "0")}`, usedMiB: 1_000 + i * 100 })),
      ...Array.from({ length: 5 }, (_, i) => makeNode({ id: `off${i}`, online: false })),
      makeNode({ id: "full", usedMiB: 8_900 }),
    ];
    const d = placeJob(nodes, { id: "j", predictedPeakMiB: 500 });
    const s = summarizeCandidates(d.candidates, 8);
    expect(s.candidateCount).toBe(26);
    expect(s.candidates.map((c) => c.nodeId)).toEqual(["ok00", "ok01", "ok02", "ok03", "ok04", "ok05", "ok06", "ok07"]);
    expect(s.rejectedCounts).toEqual({ offline: 5, "headroom N MiB < predicted N MiB": 1 });
  });
});
