import { describe, expect, it } from "vitest";
import { hostReading, parseMemInfo, parseVmRssMiB, sumRssMiB } from "./host-memory.ts";

const STATUS = `Name:\tnode
Umask:\t0022
State:\tS (sleeping)
Pid:\t4242
VmPeak:\t 1234560 kB
VmHWM:\t  204800 kB
VmRSS:\t  153600 kB
RssAnon:\t  100000 kB
Threads:\t11
`;
// Captured on the 128 GiB GPU test host.
const MEMINFO = `MemTotal:       131981020 kB
MemFree:        130000000 kB
MemAvailable:   131462308 kB
Buffers:          100000 kB
`;

describe("parseVmRssMiB", () => {
  it.each<[string, string, number | null]>([
    ["a node process", STATUS, 150],
    ["a tiny process (real: VmRSS 2068 kB)", "VmHWM:\t    2068 kB\nVmRSS:\t    2068 kB\n", 2068 / 1024],
    ["a kernel thread has no VmRSS", "Name:\tkthreadd\nState:\tS (sleeping)\n", null],
    ["VmHWM alone is not VmRSS", "VmHWM:\t    2068 kB\n", null],
  ])("%s", (_n, text, expected) => expect(parseVmRssMiB(text)).toBe(expected));
});

describe("sumRssMiB", () => {
  const OTHER = "Name:\tnode\nVmRSS:\t  102400 kB\n";
  it.each<[string, (string | null)[], number]>([
    ["two runners' status files summed", [STATUS, OTHER], 250],
    ["a runner that vanished (no status file) counts 0", [STATUS, null], 150],
    ["a zombie (no VmRSS) counts 0", [STATUS, OTHER, "Name:\tnode\nState:\tZ (zombie)\n"], 250],
    ["no runner", [], 0],
  ])("%s", (_n, texts, expected) => expect(sumRssMiB(texts)).toBe(expected));
});

describe("parseMemInfo", () => {
  it("reads total and available", () => {
    expect(parseMemInfo(MEMINFO)).toEqual({ totalMiB: 131981020 / 1024, availableMiB: 131462308 / 1024 });
  });
  it("throws when a field is missing (not Linux, or an ancient kernel)", () => {
    expect(() => parseMemInfo("MemTotal: 100 kB\n")).toThrow(/MemAvailable/);
  });
});

describe("hostReading", () => {
  it.each<[string, Parameters<typeof hostReading>[0], { usedMiB: number; freeMiB: number; processMiB: number }]>([
    ["model resident, host roomy", { runnerRssMiB: 900.4, agentRssMiB: 80.2, budgetMiB: 8192, hostAvailableMiB: 20000 }, { usedMiB: 981, freeMiB: 7211, processMiB: 900 }],
    ["host shorter than the budget: free is what the host has", { runnerRssMiB: 900, agentRssMiB: 100, budgetMiB: 8192, hostAvailableMiB: 300 }, { usedMiB: 1000, freeMiB: 300, processMiB: 900 }],
    ["over budget: free clamps at 0", { runnerRssMiB: 9000, agentRssMiB: 100, budgetMiB: 8192, hostAvailableMiB: 20000 }, { usedMiB: 9100, freeMiB: 0, processMiB: 9000 }],
    ["runner down", { runnerRssMiB: 0, agentRssMiB: 70, budgetMiB: 4096, hostAvailableMiB: 20000 }, { usedMiB: 70, freeMiB: 4026, processMiB: 0 }],
  ])("%s", (_n, input, expected) => {
    expect(hostReading(input)).toEqual({ ...expected, totalMiB: input.budgetMiB, utilPct: null, source: "host" });
  });
});
