import { describe, expect, it } from "vitest";
import { reconcile, type TPhase } from "./reconcile.ts";
import { renderReport } from "./report.ts";

describe("renderReport", () => {
  const phases: TPhase[] = [
    {
      fault: "runner-kill",
      startedAt: 0,
      endedAt: 10_000,
      injections: [
        { fault: "runner-kill", index: 0, variant: "kill -9", at: 1000, injected: true, note: "job a", victimJobId: "a", failedChecks: [] },
        { fault: "runner-kill", index: 1, variant: "kill -9", at: 2000, injected: false, note: "no job was running within 60 s", victimJobId: null, failedChecks: [] },
      ],
    },
  ];
  const jobs = [{ id: "a", idempotencyKey: "k", status: "SUCCEEDED", errorCode: null, createdAt: 500, startedAt: 1200, finishedAt: 4000, completedEvents: 1, storageKey: "f" }];
  const subs = [{ key: "k", doc: "d", firstTryAt: 500, jobId: "a", acceptedAt: 600, tries: 1, refusals: [], gaveUp: null }];
  const md = renderReport({ machine: "2-core shared dev machine", command: "npm run chaos", startedAt: new Date("2026-12-06T20:00:00Z"), durationS: 600, setup: ["two replicas"], phases, r: reconcile(phases, subs, jobs, ["f"]) });

  it("names the machine and gives lost and completed-twice up front", () => {
    expect(md).toContain("2-core shared dev machine");
    expect(md).toContain("**0 lost, 0 completed twice** over 1 accepted jobs and 1 injected faults (1 tries that did not inject)");
  });

  it("has one row per fault with injected / tried and the victim's recovery", () => {
    expect(md).toContain("| kill -9 of a runner mid-job | 1 / 2 | 1 | 1 | 0 | 0 | 0 | 0 | 3.0 s / 3.0 s |");
  });

  it("reports an injection that did not happen as not injected, with its reason", () => {
    expect(md).toContain("#2 kill -9 (**not injected**): no job was running within 60 s");
  });
});
