import { describe, expect, it } from "vitest";
import { soakFailures, type TSoakOutcome } from "./checks.ts";

const good: TSoakOutcome = {
  processesAtStart: { web0: 10, web1: 11, scheduler0: 12, "chaos-cpu0": 13 },
  processesAtEnd: { web0: 10, web1: 11, scheduler0: 12, "chaos-cpu0": 13 },
  uploads: 40,
  gaveUp: 0,
  succeeded: 40,
  failedByCode: {},
  openAfterDrain: 0,
  drainS: 180,
};

describe("soakFailures", () => {
  it("a run where every job succeeded and every process lived passes", () => {
    expect(soakFailures(good)).toEqual([]);
  });

  it.each<[string, Partial<TSoakOutcome>, RegExp]>([
    ["a process that died", { processesAtEnd: { ...good.processesAtEnd, scheduler0: null } }, /scheduler0 \(pid 12\) exited/],
    ["a process restarted under the same name", { processesAtEnd: { ...good.processesAtEnd, "chaos-cpu0": 99 } }, /chaos-cpu0 was restarted .*13 -> 99/],
    ["a process missing from the end's list", { processesAtEnd: { web0: 10, web1: 11, scheduler0: 12 } }, /chaos-cpu0 .* exited/],
    ["an upload never accepted", { gaveUp: 1 }, /1 of 40 uploads were never accepted/],
    ["a failed job", { failedByCode: { RUNNER_CRASHED: 2, TIMEOUT: 0 } }, /jobs failed: 2 RUNNER_CRASHED$/],
    ["a job left open after the drain", { openAfterDrain: 3 }, /3 jobs still open 180 s after/],
    ["no work at all", { uploads: 0, succeeded: 0 }, /no upload was offered/],
  ])("fails on %s", (_, change, msg) => {
    const f = soakFailures({ ...good, ...change });
    expect(f.some((x) => msg.test(x))).toBe(true);
  });
});
