import { describe, expect, it } from "vitest";
import { defaultPlan, parsePlan } from "./fleet-plan.ts";

describe("parsePlan", () => {
  it("reads phases and numbers repeated labels", () => {
    expect(parsePlan("gpu:1@150, gpu:2,kill:2,gpu:2,cpu:8@60", 2)).toEqual([
      { kind: "gpu", agents: 1, label: "gpu1", capS: 150 },
      { kind: "gpu", agents: 2, label: "gpu2", capS: null },
      { kind: "kill", agents: 2, label: "kill2", capS: null },
      { kind: "gpu", agents: 2, label: "gpu2-2", capS: null },
      { kind: "cpu", agents: 8, label: "cpu8", capS: 60 },
    ]);
  });

  it.each([
    ["gpu:3", /needs 3 accelerators; this host has 2/],
    ["kill:1", /second agent/],
    ["gpu:0", /at least one agent/],
    ["fast:2", /is not one of/],
    ["gpu2", /is not one of/],
    ["gpu:1@5", /under 10 s/],
    ["", /no phases/],
  ])("refuses %j", (plan, message) => {
    expect(() => parsePlan(plan, 2)).toThrow(message);
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
