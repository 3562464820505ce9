import { describe, expect, it } from "vitest";
import { parseSoakArgs } from "./options.ts";

const d = { workDir: "/tmp/w", machine: "test box" };

describe("parseSoakArgs", () => {
  it("defaults to the issue's hour, 15 s samples, 10 % warm-up and docs/soak.md", () => {
    expect(parseSoakArgs([], d)).toMatchObject({ minutes: 60, sampleS: 15, warmupFraction: 0.1, agents: 2, reportPath: "docs/soak.md", workDir: "/tmp/w" });
  });

  it("takes a shorter rehearsal and its own paths", () => {
    const o = parseSoakArgs(["--minutes", "2.5", "--sample-s", "10", "--report", "x.md", "--warmup-pct", "20"], d);
    expect(o).toMatchObject({ minutes: 2.5, sampleS: 10, reportPath: "x.md", warmupFraction: 0.2 });
    expect(parseSoakArgs(["--no-report"], d).reportPath).toBeUndefined();
  });

  it("--short is CI's three minutes with 10 s samples and no report unless asked", () => {
    expect(parseSoakArgs(["--short"], d)).toMatchObject({ short: true, minutes: 3, sampleS: 10, reportPath: undefined, drainS: 180 });
    expect(parseSoakArgs(["--short", "--minutes", "5", "--report", "s.md"], d)).toMatchObject({ minutes: 5, reportPath: "s.md" });
    expect(parseSoakArgs([], d).short).toBe(false);
  });

  it("refuses what it cannot run, naming the flag", () => {
    expect(() => parseSoakArgs(["--minutes", "0"], d)).toThrow(/--minutes/);
    expect(() => parseSoakArgs(["--sample-s", "5"], d)).toThrow(/--sample-s must be between 10 and 30/);
    expect(() => parseSoakArgs(["--agents", "1.5"], d)).toThrow(/--agents/);
    expect(() => parseSoakArgs(["--minuets", "5"], d)).toThrow();
  });
});
