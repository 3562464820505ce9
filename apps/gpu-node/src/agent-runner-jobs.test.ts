import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Agent } from "./agent.ts";
import type { FakeControlPlane } from "./agent/fake-control-plane.ts";
import { startScripted } from "./agent/scripted-agent.ts";
import { alive, gateFolder, jobReports, stopAgent, until } from "./test-support.ts";

// An agent with one multi-job runner (HEADROOM_RUNNER_JOBS=2): two jobs in flight in one process.
// As in agent-slots.test.ts, overlap is shown by order: a `gate:<file>` job runs until the file exists.
const log = pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" });

let cp: FakeControlPlane;
let agent: Agent;
let running: Promise<void>;
const gates = gateFolder("headroom-jobs-");
const gate = gates.gate;

beforeAll(async () => {
  ({ cp, agent, running } = await startScripted({ log, env: { HEADROOM_RUNNER_JOBS: "2" } }));
}, 40_000);

afterAll(async () => {
  expect(await stopAgent(agent, running, cp)).toEqual([]);
  gates.remove();
});

const { reportsFor, waitForFinal, started, ranOn } = jobReports(() => cp);
const applied = () => until(() => cp.heartbeats.at(-1)?.appliedSettingsVersion === cp.settingsVersion);

describe("Agent with one runner that keeps two jobs in flight", () => {
  it("registers maxConcurrent 2 on one runner process", () => {
    expect(cp.registrations[0]).toMatchObject({ maxConcurrent: 2 });
    expect(agent.runners).toHaveLength(1);
  });

  it("runs two jobs at once in the same runner process", async () => {
    const [ga, gb] = [gate(), gate()];
    const a = cp.enqueue(ga.cmd);
    const b = cp.enqueue(gb.cmd);
    await started(a);
    await started(b);
    await until(() => cp.heartbeats.find((h) => h.activeJobs.length === 2));
    ga.open();
    gb.open();
    const [fa, fb] = [await waitForFinal(a), await waitForFinal(b)];
    expect([fa.kind, fb.kind]).toEqual(["complete", "complete"]);
    expect(ranOn(fa)).toBe(agent.runner.pid);
    expect(ranOn(fb)).toBe(agent.runner.pid);
  });

  it("a cleanup after one job drains the runner: the other job finishes there first, none is lost", async () => {
    // The last test's after-job rules read the thresholds after their memory reading; on a loaded
    // machine that can be late enough to see the new batch rule below and recycle before a starts.
    await new Promise((r) => setTimeout(r, 1_500));
    cp.setThresholds({ batchCleanupEvery: 1 });
    await applied();
    const before = agent.runner.pid!;
    const from = cp.events.length;
    const cleanups = () => cp.events.slice(from).filter((e) => e.type === "cleanup");
    const ga = gate();
    const a = cp.enqueue(ga.cmd);
    await started(a);
    const b = cp.enqueue("b");
    expect((await waitForFinal(b)).kind).toBe("complete");
    // b's cleanup is due, but a is still in flight on the same runner: no recycle yet.
    await new Promise((r) => setTimeout(r, 500));
    expect(cleanups().map((e) => e.data)).toEqual([]);
    expect(agent.runner.pid).toBe(before);
    expect(reportsFor(a)).toEqual(["start"]);
    // A job claimed meanwhile waits for the recycle instead of joining the runner about to end.
    const c = cp.enqueue("c");
    ga.open();
    const fa = await waitForFinal(a);
    expect(fa.kind).toBe("complete");
    expect(ranOn(fa)).toBe(before);
    await until(() => cleanups()[0]);
    expect(alive(before)).toBe(false);
    const fc = await waitForFinal(c);
    expect(fc.kind).toBe("complete");
    expect(ranOn(fc)).not.toBe(before);
    expect(cp.reports.filter((r) => r.kind === "fail")).toHaveLength(0);
    cp.setThresholds({ batchCleanupEvery: 1000 });
    await applied();
    await until(() => agent.runner.ready);
  });
});
