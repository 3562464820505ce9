import { describe, expect, it } from "vitest";
import { defaultPlan, offerPages, parsePlan } from "./fleet-plan.ts";

describe("parsePlan", () => {
  it("reads phases and numbers repeated labels", () => {
    expect(parsePlan("gpu:1@150, gpu:2,kill:2,gpu:2,cpu:8@60", 2)).toEqual([
      { kind: "gpu", agents: 1, label: "gpu1", capS: 150, subset: null },
      { kind: "gpu", agents: 2, label: "gpu2", capS: null, subset: null },
      { kind: "kill", agents: 2, label: "kill2", capS: null, subset: null },
      { kind: "gpu", agents: 2, label: "gpu2-2", capS: null, subset: null },
      { kind: "cpu", agents: 8, label: "cpu8", capS: 60, subset: null },
    ]);
  });

  it("reads a workload subset after the window, and names the phase after it", () => {
    expect(parsePlan("gpu:1@60,gpu:1@45:a4,cpu:2@60,cpu:2@45:a4,gpu:1:a4,tight:2:receipt,gpu:2@30:scan,cpu:1:pdf,gpu:1@45:mixed", 2)).toEqual([
      { kind: "gpu", agents: 1, label: "gpu1", capS: 60, subset: null },
      { kind: "gpu", agents: 1, label: "gpu1-a4", capS: 45, subset: "a4-150dpi" },
      { kind: "cpu", agents: 2, label: "cpu2", capS: 60, subset: null },
      { kind: "cpu", agents: 2, label: "cpu2-a4", capS: 45, subset: "a4-150dpi" },
      { kind: "gpu", agents: 1, label: "gpu1-a4-2", capS: null, subset: "a4-150dpi" },
      { kind: "tight", agents: 2, label: "tight2-receipt", capS: null, subset: "receipt" },
      { kind: "gpu", agents: 2, label: "gpu2-scan", capS: 30, subset: "scan4000x3000" },
      { kind: "cpu", agents: 1, label: "cpu1-pdf", capS: null, subset: "pdf" },
      // `mixed` is the default spelled out: the same label as no suffix, so it counts as a repeat.
      { kind: "gpu", agents: 1, label: "gpu1-2", capS: 45, subset: null },
    ]);
  });

  it.each([
    ["gpu:3", /needs 3 accelerators; this host has 2/],
    ["kill:1", /second agent/],
    ["gpu:0", /at least one agent/],
    ["fast:2", /is not one of/],
    ["gpu2", /is not one of/],
    ["gpu:1@5", /under 10 s/],
    ["gpu:1@60:letter", /"letter" is no workload subset; use one of mixed, a4, receipt, scan, pdf/],
    ["gpu:1:A4", /"A4" is no workload subset/],
    ["gpu:1:", /"" is no workload subset/],
    ["gpu:1:a4@60", /"a4@60" is no workload subset/],
    ["", /no phases/],
  ])("refuses %j", (plan, message) => {
    expect(() => parsePlan(plan, 2)).toThrow(message);
  });
});

describe("offerPages", () => {
  it.each([
    { name: "no window: the mixed workload's pages", capS: null, mixed: 320, rate: 8, want: 320 },
    { name: "a window the ceiling rate would outrun", capS: 45, mixed: 320, rate: 8, want: 360 },
    { name: "a short window: never fewer than the mixed workload", capS: 20, mixed: 320, rate: 8, want: 320 },
    { name: "rounds up", capS: 45, mixed: 16, rate: 2.5, want: 113 },
  ])("$name", ({ capS, mixed, rate, want }) => {
    expect(offerPages({ capS }, mixed, rate)).toBe(want);
  });
});

describe("defaultPlan", () => {
  it.each([
    [1, "gpu:1,tight:1"],
    [2, "gpu:1,gpu:2,tight:2"],
    [4, "gpu:1,gpu:2,gpu:4,tight:4"],
    [6, "gpu:1,gpu:2,gpu:4,gpu:6,tight:6"],
  ])("%i accelerators → %s", (n, plan) => {
    expect(defaultPlan(n)).toBe(plan);
  });
});
