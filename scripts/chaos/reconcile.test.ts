import { describe, expect, it } from "vitest";
import type { TSubmission } from "./load.ts";
import { reconcile, summary, type TInjection, type TJobRow, type TPhase } from "./reconcile.ts";

const sub = (key: string, at: number, jobId: string | null, gaveUp: string | null = null): TSubmission => ({ key, doc: "d.jpg", firstTryAt: at, jobId, acceptedAt: jobId ? at + 10 : null, tries: 1, refusals: [], gaveUp });
const job = (id: string, o: Partial<TJobRow> = {}): TJobRow => ({ id, idempotencyKey: `k-${id}`, status: "SUCCEEDED", errorCode: null, createdAt: 1000, startedAt: 1500, finishedAt: 2000, completedEvents: 1, storageKey: `f-${id}`, ...o });
const inj = (o: Partial<TInjection> = {}): TInjection => ({ fault: "runner-kill", index: 0, variant: "kill -9", at: 1000, injected: true, note: "", victimJobId: null, failedChecks: [], ...o });

describe("reconcile", () => {
  const phases: TPhase[] = [
    { fault: "runner-kill", startedAt: 0, endedAt: 5000, injections: [inj({ victimJobId: "a", at: 1500 }), inj({ index: 1, injected: false, note: "no job ran within 60 s" })] },
    { fault: "postgres", startedAt: 5000, endedAt: 9000, injections: [inj({ fault: "postgres", variant: "fast stop", at: 5500 })] },
  ];

  it("counts each submission in the phase of its first try, by outcome", () => {
    const subs = [sub("1", 100, "a"), sub("2", 200, "b"), sub("3", 300, null, "415 nope"), sub("4", 6000, "c"), sub("5", 6100, "d"), sub("6", 9500, "e")];
    const jobs = [
      job("a", { finishedAt: 4000 }),
      job("b", { status: "FAILED", errorCode: "RUNNER_CRASHED" }),
      job("c", { createdAt: 5200, startedAt: 6000, finishedAt: 8000 }),
      job("d", { status: "RUNNING", finishedAt: null }),
      job("e", { createdAt: 9500, startedAt: 9600, finishedAt: 9900, completedEvents: 2 }),
    ];
    const r = reconcile(phases, subs, jobs, jobs.map((j) => j.storageKey));
    const [rk, pg] = r.phases;
    expect(rk).toMatchObject({ tried: 2, injected: 1, submitted: 3, accepted: 2, gaveUp: 1, succeeded: 1, failedByCode: { RUNNER_CRASHED: 1 }, lost: [] });
    expect(rk!.notInjected).toEqual([{ index: 1, variant: "kill -9", note: "no job ran within 60 s" }]);
    // The victim finished 2.5 s after the kill.
    expect(rk!.recoveryMs).toEqual([2500]);
    // A job still running after the drain is lost; the last phase keeps submissions after its window.
    expect(pg).toMatchObject({ submitted: 3, accepted: 3, succeeded: 2, lost: ["d"], completedTwice: ["e"] });
    // Without a victim: the first job that started after the fault and succeeded (c, finished at 8000;
    // e finished later; a, b started before the fault).
    expect(pg!.recoveryMs).toEqual([2500]);
    expect(r.totals).toMatchObject({ tried: 3, injected: 2, submitted: 6, succeeded: 3, lost: ["d"], completedTwice: ["e"], failedByCode: { RUNNER_CRASHED: 1 } });
  });

  it("counts the failed checks of injected faults only", () => {
    const r = reconcile([{ ...phases[0]!, injections: [inj({ failedChecks: ["x"] }), inj({ index: 1, injected: false, failedChecks: ["y"] })] }], [], [], []);
    expect(r.phases[0]!.checkFailures).toEqual([{ index: 0, variant: "kill -9", checks: ["x"] }]);
  });

  it("an accepted job the database does not have is lost", () => {
    const r = reconcile(phases, [sub("1", 100, "ghost")], [], []);
    expect(r.totals.lost).toEqual(["ghost"]);
  });

  it("finds files without a job, jobs without a file, temp files, and jobs no client heard of", () => {
    const jobs = [job("a"), job("b"), job("x")];
    const r = reconcile(phases, [sub("1", 100, "a"), sub("2", 100, "b")], jobs, ["f-a", "f-x", "stray", ".k.tmp", ".chaos-filler"]);
    expect(r.filesWithoutJob).toEqual(["stray"]);
    expect(r.jobsWithoutFile).toEqual(["b"]);
    expect(r.tempFilesLeft).toEqual([".k.tmp"]);
    expect(r.jobsUnknownToClient).toEqual(["x"]);
  });

  it("a victim that never finished has no recovery time", () => {
    const r = reconcile([{ ...phases[0]!, injections: [inj({ victimJobId: "a" })] }], [], [job("a", { status: "RUNNING", finishedAt: null })], []);
    expect(r.phases[0]!.recoveryMs).toEqual([null]);
  });
});

describe("summary", () => {
  it("gives the median and the largest of the known values", () => {
    expect(summary([300, null, 100, 200])).toEqual({ p50: 200, max: 300, known: 3 });
    expect(summary([null])).toBeNull();
  });
});
