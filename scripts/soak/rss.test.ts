import { describe, expect, it } from "vitest";
import { parseVmRssKiB, rssByRole, type TProcRss } from "./rss.ts";

const p = (pid: number, ppid: number, cmdline: string, rssMiB: number): TProcRss => ({ pid, ppid, cmdline, rssKiB: rssMiB * 1024 });

describe("parseVmRssKiB", () => {
  it("reads VmRSS and gives 0 where a process has none", () => {
    expect(parseVmRssKiB("Name:\tnode\nVmPeak:\t 900 kB\nVmRSS:\t  123456 kB\nThreads: 7\n")).toBe(123456);
    expect(parseVmRssKiB("Name:\tkthreadd\nThreads: 1\n")).toBe(0);
  });
});

describe("rssByRole", () => {
  const procs = [
    p(1, 0, "init", 5),
    p(10, 1, "node next start -p 4000", 100),
    p(11, 10, "next-server (v16)", 200),
    p(20, 1, "node tsx/dist/cli.mjs apps/scheduler/src/main.ts", 40),
    p(21, 20, "node --import tsx apps/scheduler/src/main.ts", 110),
    p(30, 1, "node tsx/dist/cli.mjs apps/gpu-node/src/main.ts", 40),
    p(31, 30, "node --import tsx apps/gpu-node/src/main.ts", 150),
    p(32, 31, "unshare -n sh -c node child.mjs runner/child.mjs", 1),
    p(33, 32, "node runner/child.mjs {}", 500),
    p(34, 31, "node --import tsx apps/gpu-node/src/runner/child.ts {}", 300),
    p(99, 1, "something else", 1000),
  ];

  it("sums each tree, and splits an agent's tree into the agent and its runners (wrappers included)", () => {
    const r = rssByRole(procs, [
      { name: "web0", pid: 10, kind: "web" },
      { name: "scheduler0", pid: 20, kind: "scheduler" },
      { name: "cpu0", pid: 30, kind: "agent" },
    ]);
    expect(r).toEqual({ web0: 300, scheduler0: 150, "cpu0 agent": 190, "cpu0 runners": 801 });
  });

  it("a root that is gone reads null, not zero", () => {
    expect(rssByRole(procs, [{ name: "cpu1", pid: 77, kind: "agent" }, { name: "web1", pid: 78, kind: "web" }])).toEqual({ "cpu1 agent": null, "cpu1 runners": null, web1: null });
  });
});
