import { describe, expect, it } from "vitest";
import { descendantsMatching, parseStat, type TProc } from "./proc-tree.ts";

describe("parseStat", () => {
  it("reads pid, ppid and CPU ticks past a command name with spaces and parentheses", () => {
    const line = "4242 (node (runner) x) S 4200 4200 4200 0 -1 4194560 100 0 0 0 1500 250 0 0 20 0 11 0 123 0 0";
    expect(parseStat(line)).toEqual({ pid: 4242, ppid: 4200, cpuTicks: 1750 });
  });
});

describe("descendantsMatching", () => {
  const p = (pid: number, ppid: number, cpuTicks: number, cmdline: string): TProc => ({ pid, ppid, cpuTicks, cmdline });
  const procs = [
    p(10, 1, 50, "node app/agent.mjs"),
    p(11, 10, 0, "unshare --mount sh -c … node app/child.mjs {}"),
    p(12, 11, 0, "sh -c mount … node app/child.mjs {}"),
    p(13, 12, 900, "./node app/child.mjs {}"),
    p(14, 10, 300, "./node app/child.mjs {}"),
    p(20, 1, 5_000, "./node app/child.mjs {}"), // another agent's runner
  ];
  it("finds the runners below the agent, busiest first, skipping the isolation wrapper", () => {
    expect(descendantsMatching(procs, 10, "child.mjs").map((x) => x.pid)).toEqual([13, 14]);
  });
  it("finds nothing below a process without such children", () => {
    expect(descendantsMatching(procs, 20, "child.mjs")).toEqual([]);
  });
});
