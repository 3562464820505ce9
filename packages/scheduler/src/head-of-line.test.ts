import { describe, expect, it } from "vitest";
import { chooseHold, DEFAULT_HOLD_POLICY, type THoldCandidate } from "./head-of-line.ts";

const policy = { afterMs: 60_000, forMs: 600_000 };
/** A node with 2,000 MiB of headroom now and 6,000 reserved by jobs in flight; the job needs 5,000. */
const node = (nodeId: string, over: Partial<THoldCandidate> = {}): THoldCandidate => ({ nodeId, peakMiB: 5_000, headroomMiB: 2_000, reservedMiB: 6_000, inFlight: 3, fitsWhenIdle: true, ...over });

describe("chooseHold", () => {
  it.each([
    { name: "not waited long enough", waitedMs: 59_999, nodes: [node("a")], held: null, why: /not waited/ },
    { name: "waited exactly the threshold", waitedMs: 60_000, nodes: [node("a")], held: "a", why: /3000 MiB more/ },
    { name: "held for its whole bound: no longer", waitedMs: 660_000, nodes: [node("a")], held: null, why: /held long enough/ },
    { name: "no node at all", waitedMs: 120_000, nodes: [], held: null, why: /even when idle/ },
    { name: "would not fit even when its jobs finish", waitedMs: 120_000, nodes: [node("a", { reservedMiB: 2_999 })], held: null, why: /even when idle/ },
    { name: "fits exactly when its jobs finish", waitedMs: 120_000, nodes: [node("a", { reservedMiB: 3_000 })], held: "a", why: /held/ },
    { name: "admission would refuse it even when idle", waitedMs: 120_000, nodes: [node("a", { fitsWhenIdle: false })], held: null, why: /even when idle/ },
    { name: "closest to fitting wins", waitedMs: 120_000, nodes: [node("a"), node("b", { headroomMiB: 4_000 }), node("c", { headroomMiB: 3_000 })], held: "b", why: /1000 MiB more/ },
    { name: "then fewer jobs in flight", waitedMs: 120_000, nodes: [node("a", { inFlight: 3 }), node("b", { inFlight: 1 })], held: "b", why: /held/ },
    { name: "then the smaller id", waitedMs: 120_000, nodes: [node("b"), node("a")], held: "a", why: /held/ },
    { name: "peaks differ by model: missing MiB compares per node", waitedMs: 120_000, nodes: [node("a", { headroomMiB: 4_000, peakMiB: 9_000, reservedMiB: 8_000 }), node("b", { headroomMiB: 2_000, peakMiB: 3_000 })], held: "b", why: /1000 MiB more/ },
    { name: "a node that could never fit is skipped for one that can", waitedMs: 120_000, nodes: [node("a", { headroomMiB: 4_900, reservedMiB: 0 }), node("b")], held: "b", why: /held/ },
  ])("$name", ({ waitedMs, nodes, held, why }) => {
    const d = chooseHold(waitedMs, nodes, policy);
    expect(d.nodeId).toBe(held);
    expect(d.reason).toMatch(why);
  });

  it("defaults: a minute of waiting, then at most ten minutes of one node", () => {
    expect(DEFAULT_HOLD_POLICY).toEqual({ afterMs: 60_000, forMs: 600_000 });
    expect(chooseHold(60_000, [node("a")]).nodeId).toBe("a");
    expect(chooseHold(660_000, [node("a")]).nodeId).toBeNull();
  });
});
