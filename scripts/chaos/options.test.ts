import { describe, expect, it } from "vitest";
import { parseChaosArgs } from "./options.ts";

const d = { workDir: "/tmp/w", machine: "test box" };

describe("parseChaosArgs", () => {
  it("defaults to the full campaign of issue 13 and writes docs/reliability.md", () => {
    const o = parseChaosArgs([], d);
    expect(o.counts).toMatchObject({ "runner-kill": 100, "agent-kill": 30, postgres: 10, "control-plane": 10, scheduler: 10 });
    expect(o.reportPath).toBe("docs/reliability.md");
    expect(o.short).toBe(false);
  });

  it("--short is the CI-sized run and writes no report unless asked", () => {
    const o = parseChaosArgs(["--short"], d);
    expect(o.counts["runner-kill"]).toBe(2);
    expect(Object.values(o.counts).every((n) => n >= 1 && n <= 2)).toBe(true);
    expect(o.reportPath).toBeUndefined();
  });

  it("takes each count as a flag, 0 leaving a fault out", () => {
    const o = parseChaosArgs(["--runner-kills", "7", "--agent-kills", "0", "--short"], d);
    expect(o.counts["runner-kill"]).toBe(7);
    expect(o.counts["agent-kill"]).toBe(0);
    expect(o.counts.postgres).toBe(2);
  });

  it("--only keeps the named faults and zeroes the rest", () => {
    const o = parseChaosArgs(["--only", "postgres,cutoff"], d);
    expect(Object.entries(o.counts).filter(([, n]) => n > 0).map(([f]) => f).sort()).toEqual(["cutoff", "postgres"]);
  });

  it.each([
    [["--runner-kills=-1"], /whole number/],
    [["--runner-kills", "2.5"], /whole number/],
    [["--rate", "0"], /positive/],
    [["--only", "meteor"], /unknown fault/],
    [["--bogus"], /Unknown option/],
  ])("refuses %j", (argv, msg) => {
    expect(() => parseChaosArgs(argv, d)).toThrow(msg);
  });
});
