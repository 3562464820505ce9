import { DEFAULT_THRESHOLDS } from "@headroom/protocol";
import { describe, expect, it } from "vitest";
import { rng } from "../bench/random.ts";
import { FleetIndex, HELD, toIndexNode } from "./fleet-index.ts";
import { FAILED_HERE, placeJob, summarizeCandidates, type TPlacementJob, type TPlacementNode } from "@headroom/policy";

const KEYS = [null, "pp-ocrv4|cuda", "pp-ocrv4|cpu"];

function randomFleet(r: () => number, n: number): TPlacementNode[] {
  const pick = <T,>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)]!;
  return Array.from({ length: n }, (_, i) => {
    const totalMiB = pick([4_000, 24_576, 81_920]);
    const maxConcurrent = 1 + Math.floor(r() * 4);
    return {
      id: `n${String(i).padStart(3, "0")}`,
      name: `n${i}`,
      predictionKey: pick(KEYS),
      online: r() > 0.1,
      drained: r() < 0.1,
      maxConcurrent,
      totalMiB,
      // Coarse values make ties in headroom common, so the tie-breaks are exercised too.
      usedMiB: Math.round((r() * totalMiB * 0.9) / 500) * 500,
      inFlightPeaksMiB: Array.from({ length: Math.floor(r() * (maxConcurrent + 1)) }, () => Math.round((r() * 3_000) / 500) * 500),
      // One node in five has admission stricter than its cap, so the walk must skip nodes, not only stop.
      thresholds: r() < 0.2 ? { ...DEFAULT_THRESHOLDS, memoryCapPct: 100, admissionMaxUsagePct: 70 } : DEFAULT_THRESHOLDS,
    };
  });
}

function randomJob(r: () => number, i: number, fleet: TPlacementNode[]): TPlacementJob {
  const peak = () => Math.round((200 + r() * 6_000) / 100) * 100;
  const avoid = r() < 0.3 ? Array.from({ length: 1 + Math.floor(r() * 3) }, () => fleet[Math.floor(r() * fleet.length)]?.id ?? "none") : undefined;
  return { id: `j${i}`, predictedPeakMiB: peak(), peakMiBByKey: { "pp-ocrv4|cuda": peak(), "pp-ocrv4|cpu": peak() }, avoidNodeIds: avoid };
}

describe("FleetIndex", () => {
  const seen = { placed: 0, waited: 0, avoided: 0 };
  // The index must give the answer placeJob gives, job after job, as reservations pile up.
  it.each(Array.from({ length: 24 }, (_, seed) => [seed]))("decides as placeJob's scan does (random fleet, seed %i)", (seed) => {
    const r = rng(seed + 1);
    const fleet = randomFleet(r, seed < 10 ? 1 + seed : 20 + Math.floor(r() * 200));
    const index = new FleetIndex(fleet.map(toIndexNode));
    for (let i = 0; i < 200; i++) {
      const job = randomJob(r, i, fleet);
      const scan = placeJob(fleet, job);
      const fast = index.place(job);
      expect(fast.ok).toBe(scan.ok);
      seen[scan.ok ? "placed" : "waited"]++;
      if (scan.candidates.some((c) => c.rejected === FAILED_HERE)) seen.avoided++;
      expect(fast.predictedPeakMiB).toBe(scan.predictedPeakMiB);
      if (scan.ok && fast.ok) {
        expect(fast.nodeId).toBe(scan.nodeId);
        expect(fast.chosen).toEqual(scan.chosen);
        const eligible = summarizeCandidates(scan.candidates).candidates.filter((c) => c.rejected === undefined);
        expect(fast.summary.candidates).toEqual(eligible);
        fleet.find((n) => n.id === scan.nodeId)!.inFlightPeaksMiB.push(scan.predictedPeakMiB);
        index.reserve(scan.nodeId, scan.predictedPeakMiB);
      } else if (!scan.ok && !fast.ok) {
        expect(fast.reason).toBe(scan.reason);
        expect(fast.headroomNeededMiB).toBe(scan.headroomNeededMiB);
      }
      expect(fast.summary.candidateCount).toBe(fleet.length);
      // Every node is either listed or counted under one reason.
      expect(fast.summary.candidates.length + Object.values(fast.summary.rejectedCounts).reduce((a, b) => a + b, 0)).toBe(fleet.length);
    }
  });

  it("the random fleets exercised placements, waits and retries elsewhere", () => {
    expect(seen.placed).toBeGreaterThan(500);
    expect(seen.waited).toBeGreaterThan(500);
    expect(seen.avoided).toBeGreaterThan(100);
  });

  it("counts the nodes it passed over by state", () => {
    const base = { thresholds: DEFAULT_THRESHOLDS, totalMiB: 10_000, usedMiB: 1_000, maxConcurrent: 1, inFlight: 0, reservedMiB: 0, online: true, drained: false };
    const index = new FleetIndex([
      { ...base, id: "a", name: "a", online: false },
      { ...base, id: "b", name: "b", drained: true },
      { ...base, id: "c", name: "c", inFlight: 1, reservedMiB: 500 },
      { ...base, id: "d", name: "d" },
      { ...base, id: "e", name: "e", usedMiB: 2_000 },
    ]);
    const d = index.place({ id: "j", predictedPeakMiB: 500, avoidNodeIds: ["d"] });
    expect(d.ok && d.nodeId).toBe("e");
    expect(d.summary.rejectedCounts).toEqual({ offline: 1, drained: 1, "at its concurrency limit (N)": 1, [`an earlier attempt failed here`]: 1 });
    expect(d.summary.candidates.map((c) => c.nodeId)).toEqual(["e"]);
  });

  it("takes a full node out and keeps the order as reservations land", () => {
    const base = { thresholds: DEFAULT_THRESHOLDS, totalMiB: 10_000, usedMiB: 1_000, inFlight: 0, reservedMiB: 0, online: true, drained: false };
    const index = new FleetIndex([
      { ...base, id: "a", name: "a", maxConcurrent: 2 },
      { ...base, id: "b", name: "b", maxConcurrent: 2, usedMiB: 2_000 },
    ]);
    const order: string[] = [];
    for (let i = 0; i < 5; i++) {
      const d = index.place({ id: `j${i}`, predictedPeakMiB: 1_500 });
      order.push(d.ok ? d.nodeId : "wait");
      if (d.ok) index.reserve(d.nodeId, 1_500);
    }
    // a (8,000) → b (7,000) → a (6,500) → b (5,500), then both are at their limit of 2.
    expect(order).toEqual(["a", "b", "a", "b", "wait"]);
    expect(index.figures("a")).toMatchObject({ headroomMiB: 5_000, inFlight: 2, reservedMiB: 3_000 });
  });

  it("a withheld node takes no job for the rest of the tick, and the record counts it as held", () => {
    const base = { thresholds: DEFAULT_THRESHOLDS, totalMiB: 10_000, usedMiB: 1_000, maxConcurrent: 4, inFlight: 0, reservedMiB: 0, online: true, drained: false };
    const index = new FleetIndex([
      { ...base, id: "a", name: "a" },
      { ...base, id: "b", name: "b", usedMiB: 3_000 },
      { ...base, id: "c", name: "c", drained: true },
    ]);
    index.withhold("a");
    const d = index.place({ id: "j", predictedPeakMiB: 500 });
    expect(d.ok && d.nodeId).toBe("b");
    expect(d.summary.rejectedCounts).toEqual({ drained: 1, [HELD]: 1 });
    // Held and the only one with room: the job waits, as if every free node had turned it down.
    const big = index.place({ id: "k", predictedPeakMiB: 6_500 });
    expect(big.ok).toBe(false);
    // Candidates for a hold: active nodes the job has not failed on, with what they would have idle.
    expect(index.holdCandidates({ id: "k", predictedPeakMiB: 6_500, avoidNodeIds: ["b"] })).toEqual([
      { nodeId: "a", peakMiB: 6_500, headroomMiB: 8_000, reservedMiB: 0, inFlight: 0, fitsWhenIdle: true },
    ]);
  });
});
