import { readFileSync } from "node:fs";
import { NON_RETRYABLE_JOB_ERRORS, type TJobErrorCode } from "@headroom/protocol";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Agent } from "./agent.ts";
import type { FakeControlPlane } from "./agent/fake-control-plane.ts";
import { startScripted } from "./agent/scripted-agent.ts";
import { parseVmRssMiB } from "./telemetry/index.ts";
import { alive, gateFolder, jobReports, stopAgent, until } from "./test-support.ts";

// An agent with two runner slots against the in-memory control plane and the scripted child (as in
// agent.test.ts). Overlap is shown by order, never by timing: a `gate:<file>` job stays in flight
// until the test creates the file, so "A started, B finished, A not yet" is a fact, not a race.
const log = pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" });

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let cp: FakeControlPlane;
let agent: Agent;
let running: Promise<void>;
const gates = gateFolder("headroom-slots-");
/** A job command that runs until open() is called. */
const gate = gates.gate;

beforeAll(async () => {
  ({ cp, agent, running } = await startScripted({ log, env: { HEADROOM_RUNNER_SLOTS: "2" } }));
}, 40_000);

afterAll(async () => {
  expect(await stopAgent(agent, running, cp)).toEqual([]);
  gates.remove();
});

const { reportsFor, waitForFinal, started, ranOn } = jobReports(() => cp);
const pids = () => agent.runners.map((r) => r.pid!);
const bothReady = () => until(() => agent.runners.every((r) => r.ready !== null));
const applied = () => until(() => cp.heartbeats.at(-1)?.appliedSettingsVersion === cp.settingsVersion);

describe("Agent with two runner slots", () => {
  it("registers maxConcurrent 2 with two runners up", () => {
    expect(cp.registrations[0]).toMatchObject({ maxConcurrent: 2, provider: "scripted" });
    const [a, b] = pids();
    expect(a).not.toBe(b);
    expect(alive(a!) && alive(b!)).toBe(true);
  });

  it("the reading's processMiB is both slots' runners summed, not slot 0's alone", async () => {
    const runners = pids();
    const rss = () => runners.map((pid) => parseVmRssMiB(readFileSync(`/proc/${pid}/status`, "utf8")) ?? 0);
    const before = rss();
    const from = cp.heartbeats.length;
    const hb = await until(() => cp.heartbeats[from + 1]);
    const after = rss();
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    // Idle runners' RSS barely moves between two heartbeats; slot 0's runner alone would be about half.
    expect(hb.memory.processMiB).toBeGreaterThanOrEqual(Math.min(sum(before), sum(after)) * 0.9 - 2);
    expect(hb.memory.processMiB).toBeLessThanOrEqual(Math.max(sum(before), sum(after)) * 1.1 + 2);
    expect(hb.memory.processMiB).toBeGreaterThan(Math.max(...before, ...after) * 1.5);
  });

  it("runs two jobs at the same time, one on each runner, each sampled and leased", async () => {
    const [ga, gb] = [gate(), gate()];
    const a = cp.enqueue(ga.cmd);
    const b = cp.enqueue(gb.cmd);
    await started(a);
    await started(b);
    // Both started and neither finished: two jobs in flight, in one heartbeat that renews both leases.
    expect([reportsFor(a), reportsFor(b)]).toEqual([["start"], ["start"]]);
    const hb = await until(() => cp.heartbeats.find((h) => h.activeJobs.length === 2));
    expect(hb.activeJobs.map((j) => j.jobId).sort()).toEqual([a, b].sort());
    await until(() => cp.samples.some((s) => s.jobId === a) && cp.samples.some((s) => s.jobId === b));
    ga.open();
    gb.open();
    const [fa, fb] = [await waitForFinal(a), await waitForFinal(b)];
    expect([fa.kind, fb.kind]).toEqual(["complete", "complete"]);
    expect([ranOn(fa), ranOn(fb)].sort()).toEqual([...pids()].sort());
  });

  it("a cleanup after one job recycles only that slot's runner while the other job keeps running", async () => {
    cp.setThresholds({ batchCleanupEvery: 1 });
    await applied();
    const before = pids();
    const cleanupsFrom = cp.events.length;
    const cleanups = () => cp.events.slice(cleanupsFrom).filter((e) => e.type === "cleanup");
    const ga = gate();
    const a = cp.enqueue(ga.cmd);
    await started(a);
    const b = cp.enqueue("b");
    const fb = await waitForFinal(b);
    expect(fb.kind).toBe("complete");
    const bSlot = before.indexOf(ranOn(fb));
    const aSlot = 1 - bSlot;
    expect(bSlot).toBeGreaterThanOrEqual(0);
    const ev = await until(() => cleanups()[0]);
    // The other slot's runner is under a job: this after-reading is no fresh-runner baseline.
    expect(ev.data).toMatchObject({ slot: bSlot, batchImages: 1, reason: "a job of 1 pages (a batch of its own)", allFresh: false });
    // Every slot records the process MiB (all runners summed) before and after its recycle, slot 1 included.
    expect(ev.data).toMatchObject({ processBeforeMiB: expect.any(Number), processAfterMiB: expect.any(Number) });
    await until(() => agent.runners[bSlot]!.pid !== before[bSlot] && agent.runners[bSlot]!.ready);
    expect(alive(before[bSlot]!)).toBe(false);
    // The other slot's runner was left alone under its job, which is still in flight and finishes there.
    expect(agent.runners[aSlot]!.pid).toBe(before[aSlot]);
    expect(reportsFor(a)).toEqual(["start"]);
    ga.open();
    const fa = await waitForFinal(a);
    expect(fa.kind).toBe("complete");
    expect(ranOn(fa)).toBe(before[aSlot]);
    // Its own cleanup follows, on its own slot.
    const ev2 = await until(() => cleanups()[1]);
    // Slot bSlot has run nothing since its recycle, so now both runners are fresh.
    expect(ev2.data).toMatchObject({ slot: aSlot, processBeforeMiB: expect.any(Number), processAfterMiB: expect.any(Number), allFresh: true });
    cp.setThresholds({ batchCleanupEvery: 1000 });
    await applied();
    await until(() => agent.runners[aSlot]!.pid !== before[aSlot]);
    await bothReady();
  });

  it("a crash of one slot's runner fails only its job (retryable) and the other job completes", async () => {
    const before = pids();
    const ga = gate();
    const a = cp.enqueue(ga.cmd);
    await started(a);
    const restartsFrom = cp.events.length;
    const crash = cp.enqueue("crash");
    const fc = await waitForFinal(crash);
    expect(fc.kind).toBe("fail");
    expect(fc.body).toMatchObject({ code: "RUNNER_CRASHED" });
    expect(NON_RETRYABLE_JOB_ERRORS.has(fc.body.code as TJobErrorCode)).toBe(false);
    const restart = await until(() => cp.events.slice(restartsFrom).find((e) => e.type === "runner_restart"));
    const crashedSlot = (restart.data as { slot: number }).slot;
    expect(restart.data).toMatchObject({ reason: "crash" });
    expect(alive(before[crashedSlot]!)).toBe(false);
    expect(agent.runners[1 - crashedSlot]!.pid).toBe(before[1 - crashedSlot]);
    expect(reportsFor(a)).toEqual(["start"]);
    ga.open();
    const fa = await waitForFinal(a);
    expect(fa.kind).toBe("complete");
    expect(ranOn(fa)).toBe(before[1 - crashedSlot]);
    await bothReady();
  });

  it("reclaim waits until every slot is idle, then recycles each runner", async () => {
    await sleep(1_200); // past the reclaim interval since the last cleanup
    const before = pids();
    const from = cp.events.length;
    const reclaims = () => cp.events.slice(from).filter((e) => (e.data as { reason?: string } | null)?.reason?.startsWith("reclaim:"));
    const ga = gate();
    const a = cp.enqueue(ga.cmd);
    await started(a);
    cp.reclaim = { reason: "a queued job needs 704 MiB", neededMiB: 704 };
    const asked = cp.heartbeats.length;
    await until(() => cp.heartbeats.length >= asked + 10); // ten answers asking while one slot is busy
    expect(pids()).toEqual(before);
    ga.open();
    expect((await waitForFinal(a)).kind).toBe("complete");
    // Idle now: both runners are recycled, one cleanup event each.
    const evs = await until(() => reclaims().length >= 2 && reclaims().slice(0, 2));
    cp.reclaim = null;
    expect(evs.map((e) => (e.data as { slot: number }).slot).sort()).toEqual([0, 1]);
    // After the last recycle every runner is fresh: that reading is the node's new baseline.
    expect(evs[1]!.data).toMatchObject({ allFresh: true });
    await until(() => agent.runners.every((r, i) => r.pid !== before[i]));
    await bothReady();
  });

  it("the sweep recycles only the idle slot's runner, not the one under a job", { timeout: 20_000 }, async () => {
    const before = pids();
    const from = cp.events.length;
    const ga = gate();
    const a = cp.enqueue(ga.cmd);
    await started(a);
    cp.setThresholds({ sweepIntervalS: 5, sweepAbovePct: 0 });
    const ev = await until(() => cp.events.slice(from).find((e) => e.type === "sweep"), 15_000);
    const swept = (ev.data as { slot: number }).slot;
    await until(() => agent.runners[swept]!.pid !== before[swept]);
    expect(agent.runners[1 - swept]!.pid).toBe(before[1 - swept]);
    expect(reportsFor(a)).toEqual(["start"]);
    cp.setThresholds({ sweepIntervalS: 300, sweepAbovePct: 70 });
    await applied();
    ga.open();
    const fa = await waitForFinal(a);
    expect(fa.kind).toBe("complete");
    expect(ranOn(fa)).toBe(before[1 - swept]);
    await bothReady();
  });

  it("a drained node stops claiming on both slots", async () => {
    cp.drained = true;
    await until(() => cp.events.find((e) => e.type === "drained"));
    // Claim long-polls (200 ms here) already waiting when the drain arrived may still take a job.
    await sleep(500);
    const jobs = [cp.enqueue("w1"), cp.enqueue("w2")];
    await sleep(600);
    expect(jobs.map(reportsFor)).toEqual([[], []]);
    cp.drained = false;
    for (const j of jobs) expect((await waitForFinal(j)).kind).toBe("complete");
  });

  it("stop waits for both jobs in flight, then ends both runners", async () => {
    const [ga, gb] = [gate(), gate()];
    const jobs = [cp.enqueue(ga.cmd), cp.enqueue(gb.cmd)];
    for (const j of jobs) await started(j);
    const runnerPids = pids();
    const stopped = agent.stop("test drain");
    ga.open();
    gb.open();
    await stopped;
    for (const j of jobs) expect(reportsFor(j)).toEqual(["start", "complete"]);
    for (const pid of runnerPids) expect(alive(pid)).toBe(false);
  });
});
