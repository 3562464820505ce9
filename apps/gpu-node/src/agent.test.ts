import { createServer } from "node:net";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Agent } from "./agent.ts";
import { FakeControlPlane } from "./agent/fake-control-plane.ts";
import { scriptedAgent } from "./agent/scripted-agent.ts";
import { alive, jobReports, stopAgent, until } from "./test-support.ts";

// The whole agent against a real HTTP control plane (in memory) and a real supervised child that
// follows a script instead of running OCR (OCR is tested with the real models in src/ocr).
const log = pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" });

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

let cp: FakeControlPlane;
let agent: Agent;
let running: Promise<void>;

beforeAll(async () => {
  // The control plane comes up after the agent: registration must retry.
  const port = await freePort();
  agent = scriptedAgent({ controlUrl: `http://127.0.0.1:${port}`, log, shutdownGraceMs: 500 });
  running = agent.run();
  await new Promise((r) => setTimeout(r, 700));
  cp = await new FakeControlPlane().listen(port);
  // Cleanup rules off until a test turns them on.
  cp.thresholds = { ...cp.thresholds, batchCleanupEvery: 1000 };
  await until(() => agent.id);
});

afterAll(async () => {
  expect(await stopAgent(agent, running, cp)).toEqual([]);
});

const { reportsFor, waitForFinal } = jobReports(() => cp);

describe("Agent against a control plane over HTTP", () => {
  it("registered as a CPU node with its provider and a host reading", () => {
    expect(cp.registrations[0]).toMatchObject({ name: expect.stringMatching(/-cpu$/), kind: "CPU", gpuIndex: null, provider: "scripted", agentVersion: "test" });
    expect(cp.registrations[0]!.memory).toMatchObject({ source: "host", totalMiB: 4096 });
    expect(cp.registrations[0]!.memory.processMiB).toBeGreaterThan(0);
  });

  it("heartbeats with the applied settings version and idle samples", async () => {
    await until(() => cp.heartbeats.length >= 3);
    expect(cp.heartbeats.at(-1)).toMatchObject({ activeJobs: [], appliedSettingsVersion: 1, sampleAt: expect.any(String) });
    await until(() => cp.samples.some((s) => s.jobId === null));
    await until(() => cp.events.some((e) => e.type === "settings_applied"));
    // The idle samples rode the heartbeats: no sample flush of its own.
    expect(cp.postedSamples.filter((s) => s.jobId === null)).toEqual([]);
  });

  it("an idle sample the heartbeat did not keep goes through the outbox: a failed heartbeat, or a control plane that predates sampleAt", async () => {
    const idlePosted = () => cp.postedSamples.filter((s) => s.jobId === null);
    const beats = cp.heartbeats.length;
    cp.failNext("heartbeat", 2, "reset");
    await until(() => idlePosted().length >= 2);
    // Each is the reading a failed heartbeat carried, at its time: no heartbeat that arrived had it.
    const arrived = new Set(cp.heartbeats.map((h) => h.sampleAt));
    for (const s of idlePosted()) expect(arrived.has(s.at)).toBe(false);
    expect(cp.failed.get("heartbeat")).toBe(2);
    await until(() => cp.heartbeats.length > beats);

    const posted = idlePosted().length;
    cp.carriedSamples = false;
    try {
      await until(() => idlePosted().length >= posted + 2);
      // Still sent in the heartbeat: the agent cannot tell an older control plane until it answers.
      expect(cp.heartbeats.at(-1)!.sampleAt).toEqual(expect.any(String));
      // A completion's samples too, when its answer does not say they were kept.
      const jobId = cp.enqueue("slow:300");
      const final = await waitForFinal(jobId);
      const carried = (final.body.samples as { at: string; jobId: string | null }[]).filter((s) => s.jobId === jobId);
      expect(carried.length).toBeGreaterThanOrEqual(1);
      await until(() => carried.every((c) => cp.postedSamples.some((p) => p.at === c.at && p.jobId === jobId)));
    } finally {
      cp.carriedSamples = true;
    }
  });

  it("runs a job: complete with the result, before/peak/after memory, and its start (600 ms is within the start-report delay)", async () => {
    const jobId = cp.enqueue("slow:600");
    const final = await waitForFinal(jobId);
    expect(reportsFor(jobId)).toEqual(["complete"]);
    expect(final.body.startedMsAgo).toBeGreaterThanOrEqual(600);
    expect(final.body).toMatchObject({ attempt: 1, result: { text: expect.stringMatching(/^slow:600/) } });
    const mem = final.body.memory as { beforeMiB: number; afterMiB: number; peakMiB: number };
    expect(mem.peakMiB).toBeGreaterThanOrEqual(Math.max(mem.beforeMiB, mem.afterMiB));
    expect(final.body.durationMs).toBeGreaterThanOrEqual(600);
    // Sampled in flight every sampleIntervalMs (250 ms): a 600 ms job gets at least two.
    await until(() => cp.samples.filter((s) => s.jobId === jobId).length >= 2);
    // Its last samples (the "after" reading at least) rode the completion, not a flush of their own.
    const carried = (final.body.samples as { jobId: string | null; usedMiB: number }[]).filter((s) => s.jobId === jobId);
    expect(carried.length).toBeGreaterThanOrEqual(1);
    expect(carried.at(-1)!.usedMiB).toBe(mem.afterMiB);
    expect(cp.postedSamples.filter((s) => s.jobId === jobId).length).toBe(cp.samples.filter((s) => s.jobId === jobId).length - carried.length);
  });

  it("typed failures: bad input is INVALID_INPUT; a crash is RUNNER_CRASHED and the runner comes back", async () => {
    const bad = cp.enqueue("bad");
    expect((await waitForFinal(bad)).body).toMatchObject({ code: "INVALID_INPUT" });
    const pidBefore = agent.runner.pid!;
    const crash = cp.enqueue("crash");
    expect((await waitForFinal(crash)).body).toMatchObject({ code: "RUNNER_CRASHED" });
    await until(() => cp.events.find((e) => e.type === "runner_restart"));
    const next = cp.enqueue("after crash");
    expect((await waitForFinal(next)).kind).toBe("complete");
    expect(agent.runner.pid).not.toBe(pidBefore);
  });

  it("a LEASE_LOST on complete is dropped quietly and the agent carries on", async () => {
    const lost = cp.enqueue("lost");
    cp.leaseLost.add(lost);
    expect((await waitForFinal(lost)).kind).toBe("complete");
    const next = cp.enqueue("next");
    expect((await waitForFinal(next)).kind).toBe("complete");
  });

  it("applies new thresholds live: admission refuses with the reason, reported once", async () => {
    cp.setThresholds({ admissionMinFreeMiB: 100_000 });
    await until(() => cp.heartbeats.at(-1)?.appliedSettingsVersion === cp.settingsVersion);
    const jobId = cp.enqueue("refuse me");
    const final = await waitForFinal(jobId);
    expect(final.kind).toBe("refuse");
    expect(final.body.reason).toMatch(/below the admission floor of 100000 MiB/);
    expect(reportsFor(jobId)).toEqual(["refuse"]);
    // The control plane records the refusal with the requeue; a second event from the agent counted it twice.
    expect(cp.events.filter((e) => e.type === "refusal")).toEqual([]);
    cp.setThresholds({ admissionMinFreeMiB: 500 });
    await until(() => cp.heartbeats.at(-1)?.appliedSettingsVersion === cp.settingsVersion);
  });

  it("a memory budget caps the total in heartbeats, samples and admission, and says so in a node event", async () => {
    // The CPU node's device is a 4096 MiB host budget; 1024 MiB of it is Headroom's.
    cp.setThresholds({ memoryBudgetMiB: 1024 });
    await until(() => cp.heartbeats.at(-1)?.appliedSettingsVersion === cp.settingsVersion);
    const event = await until(() => cp.events.find((e) => e.type === "memory_budget"));
    expect(event).toMatchObject({ beforeMiB: 4096, afterMiB: 1024, data: { budgetMiB: 1024, previousBudgetMiB: 0, physicalTotalMiB: 4096 } });
    const hb = await until(() => cp.heartbeats.at(-1)?.memory.totalMiB === 1024 && cp.heartbeats.at(-1));
    expect(hb.memory.freeMiB).toBeLessThanOrEqual(1024 - hb.memory.usedMiB);
    await until(() => cp.samples.at(-1)?.totalMiB === 1024);
    // A floor of 1000 MiB free fits the host but not 1024 MiB less what is used.
    cp.setThresholds({ admissionMinFreeMiB: 1000 });
    await until(() => cp.heartbeats.at(-1)?.appliedSettingsVersion === cp.settingsVersion);
    const jobId = cp.enqueue("refused under the budget");
    const final = await waitForFinal(jobId);
    expect(final.kind).toBe("refuse");
    expect(final.body.reason).toMatch(/below the admission floor of 1000 MiB/);
    expect((final.body.memory as { totalMiB: number }).totalMiB).toBe(1024);

    cp.setThresholds({ memoryBudgetMiB: 0, admissionMinFreeMiB: 500 });
    await until(() => cp.heartbeats.at(-1)?.appliedSettingsVersion === cp.settingsVersion && cp.heartbeats.at(-1)!.memory.totalMiB === 4096);
    await until(() => cp.events.find((e) => e.type === "memory_budget" && e.beforeMiB === 1024 && e.afterMiB === 4096 && (e.data as { budgetMiB?: number }).budgetMiB === 0));
  });

  it("batch cleanup recycles the runner and records the measured before/after", async () => {
    cp.setThresholds({ batchCleanupEvery: 1 });
    await until(() => cp.heartbeats.at(-1)?.appliedSettingsVersion === cp.settingsVersion);
    const pidBefore = agent.runner.pid!;
    const jobId = cp.enqueue("one image");
    await waitForFinal(jobId);
    const ev = await until(() => cp.events.find((e) => e.type === "cleanup"));
    expect(ev.beforeMiB).toBeGreaterThan(0);
    expect(ev.afterMiB).toBeGreaterThan(0);
    expect(ev.data).toMatchObject({ freedMiB: ev.beforeMiB! - ev.afterMiB!, unavailableMs: expect.any(Number) });
    await until(() => agent.runner.pid !== pidBefore && agent.runner.ready);
    expect(alive(pidBefore)).toBe(false);
    cp.setThresholds({ batchCleanupEvery: 1000 });
  });

  it("batch cleanup counts images within a batch: consecutive jobs of one upload, or one job's pages", async () => {
    cp.setThresholds({ batchCleanupEvery: 3 });
    await until(() => cp.heartbeats.at(-1)?.appliedSettingsVersion === cp.settingsVersion);
    // A cleanup decided under the previous test's threshold may still be running or unsent.
    await new Promise((r) => setTimeout(r, 1_500));
    const before = cp.events.filter((e) => e.type === "cleanup").length;
    const cleanups = () => cp.events.filter((e) => e.type === "cleanup").slice(before);
    // Two of upload A, a lone image (resets the count), then three of A in a row: one cleanup, after a5.
    const jobs = [cp.enqueue("a1", { batchId: "A" }), cp.enqueue("a2", { batchId: "A" }), cp.enqueue("lone"), cp.enqueue("a3", { batchId: "A" }), cp.enqueue("a4", { batchId: "A" })];
    for (const j of jobs) expect((await waitForFinal(j)).kind).toBe("complete");
    const a5 = cp.enqueue("a5", { batchId: "A" });
    await waitForFinal(a5);
    const ev = await until(() => cleanups()[0]);
    // Events leave in order: a cleanup after any earlier job would have come first.
    expect(cleanups()).toHaveLength(1);
    expect(ev.data).toMatchObject({ batchImages: 3, batchId: "A", reason: "3 images of batch A since the last cleanup" });
    // A 3-page PDF on its own is a batch of three; a 2-page one after it is not.
    const pdf = cp.enqueue("pdf", { pages: 3, mimeType: "application/pdf" });
    await waitForFinal(pdf);
    const ev2 = await until(() => cleanups()[1]);
    expect(ev2.data).toMatchObject({ batchImages: 3, batchId: null, reason: "a job of 3 pages (a batch of its own)" });
    const small = cp.enqueue("small pdf", { pages: 2, mimeType: "application/pdf" });
    await waitForFinal(small);
    const after = cp.enqueue("after");
    await waitForFinal(after);
    await new Promise((r) => setTimeout(r, 1_200)); // one outbox flush
    expect(cleanups()).toHaveLength(2);
    cp.setThresholds({ batchCleanupEvery: 1000 });
  });

  it("a revoked lease stops the job without a report", async () => {
    const jobId = cp.enqueue("hang");
    await until(() => reportsFor(jobId).includes("start"));
    cp.revoked.add(jobId);
    const next = cp.enqueue("after revoke");
    expect((await waitForFinal(next)).kind).toBe("complete");
    expect(reportsFor(jobId)).toEqual(["start"]);
    cp.revoked.delete(jobId);
  });

  it("the sweep timer recycles an idle runner once the interval has passed above the threshold", { timeout: 20_000 }, async () => {
    const pidBefore = agent.runner.pid!;
    cp.setThresholds({ sweepIntervalS: 5, sweepAbovePct: 0 });
    const ev = await until(() => cp.events.find((e) => e.type === "sweep"), 15_000);
    expect(ev.beforeMiB).toBeGreaterThan(0);
    expect(ev.data).toMatchObject({ freedMiB: ev.beforeMiB! - ev.afterMiB! });
    expect(alive(pidBefore)).toBe(false);
    cp.setThresholds({ sweepIntervalS: 300, sweepAbovePct: 70 });
  });

  it("reclaim: an idle agent recycles its runner when the control plane asks, and records the cleanup", async () => {
    await new Promise((r) => setTimeout(r, 1_200)); // past the interval since the sweep test's cleanup
    const pidBefore = agent.runner.pid!;
    const before = cp.events.length;
    cp.reclaim = { reason: "a queued job needs 704 MiB", neededMiB: 704 };
    const ev = await until(() => cp.events.slice(before).find((e) => e.type === "cleanup"));
    cp.reclaim = null;
    expect(ev.beforeMiB).toBeGreaterThan(0);
    expect(ev.data).toMatchObject({ reason: "reclaim: a queued job needs 704 MiB", neededMiB: 704, freedMiB: ev.beforeMiB! - ev.afterMiB! });
    await until(() => agent.runner.pid !== pidBefore && agent.runner.ready);
    expect(alive(pidBefore)).toBe(false);
  });

  it("reclaim: a busy agent does not recycle under its job", async () => {
    await new Promise((r) => setTimeout(r, 1_200));
    // The start is reported once the job has run a second (start-report.ts), so the job must outlast
    // that second and the reclaim window below by a margin; at 2.5 s it could end inside the window
    // on a loaded machine, and the then idle agent rightly recycled.
    const jobId = cp.enqueue("slow:4000");
    await until(() => reportsFor(jobId).includes("start"));
    const pid = agent.runner.pid;
    const before = cp.events.length;
    cp.reclaim = { reason: "a queued job needs 704 MiB", neededMiB: 704 };
    await new Promise((r) => setTimeout(r, 1_500)); // ~15 heartbeat answers asking, past the interval
    cp.reclaim = null;
    expect((await waitForFinal(jobId)).kind).toBe("complete");
    expect(agent.runner.pid).toBe(pid);
    await new Promise((r) => setTimeout(r, 1_200)); // one outbox flush
    expect(cp.events.slice(before).filter((e) => (e.data as { reason?: string } | null)?.reason?.startsWith("reclaim:"))).toEqual([]);
  });

  it("a drained node stops claiming", async () => {
    cp.drained = true;
    await until(() => cp.events.find((e) => e.type === "drained"));
    // A claim long-poll (200 ms here) already waiting when the drain arrived may still take a job.
    await new Promise((r) => setTimeout(r, 300));
    const jobId = cp.enqueue("waiting");
    await new Promise((r) => setTimeout(r, 600));
    expect(reportsFor(jobId)).toEqual([]);
    cp.drained = false;
    expect((await waitForFinal(jobId)).kind).toBe("complete");
  });
});
