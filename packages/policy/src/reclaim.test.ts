import { DEFAULT_THRESHOLDS } from "@headroom/protocol";
import { describe, expect, it } from "vitest";
import { reclaimableMiB, reclaimFor, type TReclaimNode } from "./reclaim.ts";

// The fleet run's node: a 2,048 MiB budget, so the usable limit is min(90 % = 1,843, 2,048 − 500) = 1,548 MiB.
const node = (over: Partial<TReclaimNode> = {}): TReclaimNode => ({
  drained: false,
  inFlight: 0,
  totalMiB: 2_048,
  usedMiB: 1_243,
  processMiB: 1_100,
  freshUsedMiB: 300,
  thresholds: DEFAULT_THRESHOLDS,
  ...over,
});

describe("reclaimableMiB", () => {
  it.each<[string, Partial<TReclaimNode>, number]>([
    ["grown since the fresh reading", {}, 943],
    ["at most the runner's own MiB (another tenant grew too)", { processMiB: 500 }, 500],
    ["no per-process figure: the growth alone", { processMiB: null }, 943],
    ["no fresh reading: nothing is counted on", { freshUsedMiB: null }, 0],
    ["below the fresh reading (another tenant left)", { usedMiB: 200 }, 0],
  ])("%s", (_name, over, expected) => expect(reclaimableMiB(node(over))).toBe(expected));
});

describe("reclaimFor", () => {
  // Headroom now: 1,548 − 1,243 = 305 MiB; after a recycle 305 + 943 = 1,248 MiB.
  it.each<[string, Partial<TReclaimNode>, number | null, boolean]>([
    ["the fleet run: a 704 MiB job fits once the runner's growth is back", {}, 704, true],
    ["no job waits for headroom", {}, null, false],
    ["the job fits the headroom already: the next tick places it", {}, 305, false],
    ["needs one MiB more than the headroom", {}, 306, true],
    ["exactly what a recycle would give", {}, 1_248, true],
    ["more than a recycle would give: not worth it", {}, 1_249, false],
    ["drained", { drained: true }, 704, false],
    ["a job placed or running here", { inFlight: 1 }, 704, false],
    ["just recycled: used is the fresh reading, nothing to give back", { usedMiB: 1_000, freshUsedMiB: 1_000 }, 704, false],
    ["fresh reading unknown: never recycles on a guess", { freshUsedMiB: null }, 704, false],
    ["the runner itself holds less than the growth", { processMiB: 300 }, 704, false],
    ["over the limit already (headroom negative)", { usedMiB: 1_700, processMiB: 1_500 }, 704, true],
  ])("%s", (_name, over, neededMiB, expected) => {
    const r = reclaimFor(node(over), neededMiB);
    expect(r !== null).toBe(expected);
    if (r) expect(r).toEqual({ neededMiB, reason: expect.stringMatching(new RegExp(`^a queued job needs ${neededMiB} MiB; this node has -?\\d+ MiB of headroom`)) });
  });

  it("says what it found in the reason", () => {
    expect(reclaimFor(node(), 704)?.reason).toBe("a queued job needs 704 MiB; this node has 305 MiB of headroom and its runner has grown by 943 MiB");
  });
});
