import { fileURLToPath } from "node:url";
import type { TMemoryReading } from "@headroom/protocol";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ControlClient } from "../control-client.ts";
import { Runner } from "../runner/runner.ts";
import type { MemoryReader } from "../telemetry/index.ts";
import { FakeControlPlane } from "./fake-control-plane.ts";
import { JobAbort, runAssignment, type TJobContext } from "./job.ts";
import { Outbox } from "./outbox.ts";

const log = pino({ level: "silent" });
const at = (usedMiB: number): TMemoryReading => ({ usedMiB, totalMiB: 10_000, freeMiB: 10_000 - usedMiB, processMiB: usedMiB, utilPct: null, source: "host" });

let cp: FakeControlPlane;
let runner: Runner;
let client: ControlClient;
beforeAll(async () => {
  cp = await new FakeControlPlane().listen();
  client = new ControlClient({ baseUrl: cp.url });
  await client.register({ name: "n", hostname: "h", kind: "CPU", gpuIndex: null, gpuName: null, provider: "scripted", providerNotes: [], agentVersion: "t", memory: at(0) }, "enrol").then((r) => client.setToken(r.token));
  runner = new Runner({ config: { providers: ["scripted"] }, log, childModulePath: fileURLToPath(new URL("../runner/test-children/scripted-child.ts", import.meta.url)), killGraceMs: 500 });
  await runner.start();
});
afterAll(async () => {
  await runner.stop();
  await cp.close();
});

/** Starts are reported at once here (delay 0), so that each report can be watched; "the start's report" below tests the delay. */
function context(readings: number[], startReportDelayMs = 0): TJobContext & { outbox: Outbox } {
  const memory: MemoryReader = { read: async () => at(readings.length > 1 ? readings.shift()! : readings[0]!) };
  return { client, runner, memory, outbox: new Outbox(client, log), thresholds: () => cp.thresholds, lastReading: () => null, log, startReportDelayMs };
}
const claim = async () => (await client.claim(0))!;

describe("runAssignment", () => {
  it("a job that pushes the device over the memory cap fails GPU_OOM and records an oom event", async () => {
    cp.enqueue("slow:3000");
    const ctx = context([5000, 6000, 9500, 9500, 4000]); // before 50 %, then over the 90 % cap
    const outcome = await runAssignment(ctx, await claim(), new AbortController());
    expect(outcome).toMatchObject({ kind: "failed", code: "GPU_OOM" });
    const fail = cp.reports.at(-1)!;
    expect(fail).toMatchObject({ kind: "fail", body: { code: "GPU_OOM", message: expect.stringMatching(/crossed the 90 % cap/) } });
    expect((fail.body.memory as { peakMiB: number }).peakMiB).toBe(9500);
    await ctx.outbox.flush();
    expect(cp.events.find((e) => e.type === "oom")).toMatchObject({ beforeMiB: 5000, afterMiB: 9500 });
  });

  it("tells the agent once the job runs and when it crossed the cap (an agent with several slots then aborts the other jobs)", async () => {
    cp.enqueue("slow:3000");
    const calls: string[] = [];
    const ctx = { ...context([5000, 6000, 9500, 9500, 4000]), onRunning: () => calls.push("running"), onOverCap: (reason: string) => calls.push(reason) };
    const outcome = await runAssignment(ctx, await claim(), new AbortController());
    expect(outcome).toMatchObject({ kind: "failed", code: "GPU_OOM" });
    expect(calls).toEqual(["running", expect.stringMatching(/crossed the 90 % cap/)]);
  });

  it("a card already over the cap at admission is not failed for it (it was admitted under the 95 % rule)", async () => {
    cp.enqueue("quick");
    const outcome = await runAssignment(context([9200, 9300, 9250]), await claim(), new AbortController());
    expect(outcome.kind).toBe("completed");
  });

  it("admission counts what the other jobs in flight may still grow (several slots)", async () => {
    const jobId = cp.enqueue("quick");
    // 8,000 of 10,000 MiB used admits alone; another job that may grow 1,600 MiB would take the card to 96 %.
    const outcome = await runAssignment({ ...context([8000]), pendingGrowthMiB: () => 1600 }, await claim(), new AbortController());
    expect(outcome).toMatchObject({ kind: "refused", reason: "usage 96.0 % is above the admission limit of 95.0 % (counting 1600 MiB that the jobs in flight may still grow)" });
    expect(cp.reports.filter((r) => r.jobId === jobId).map((r) => r.kind)).toEqual(["refuse"]);
  });

  it("a completed job reports how much it grew the device (peak − before), for the other slots' admission", async () => {
    cp.enqueue("quick");
    const outcome = await runAssignment(context([7000, 7400, 7250]), await claim(), new AbortController());
    expect(outcome).toMatchObject({ kind: "completed", growthMiB: expect.any(Number) });
    expect((outcome as { growthMiB: number }).growthMiB).toBeGreaterThanOrEqual(0);
  });

  it("runs on the file that came with the claim, without fetching it", async () => {
    const jobId = cp.enqueue("quick", { inline: "whole" });
    const outcome = await runAssignment(context([1000]), await claim(), new AbortController());
    expect(outcome.kind).toBe("completed");
    expect(cp.reports.filter((r) => r.jobId === jobId).map((r) => r.kind)).toEqual(["start", "complete"]);
    expect(cp.fileFetches).not.toContain(`/api/agent/v1/jobs/${jobId}/file`);
  });

  it("fetches the file when the bytes in the claim are not the job's size", async () => {
    const jobId = cp.enqueue("quick", { inline: "cut" });
    const outcome = await runAssignment(context([1000]), await claim(), new AbortController());
    expect(outcome.kind).toBe("completed");
    expect(cp.fileFetches).toContain(`/api/agent/v1/jobs/${jobId}/file`);
  });

  it("admission on the live reading refuses without starting", async () => {
    const jobId = cp.enqueue("quick");
    const outcome = await runAssignment(context([9600]), await claim(), new AbortController());
    expect(outcome).toMatchObject({ kind: "refused", reason: expect.stringMatching(/above the admission limit/) });
    expect(cp.reports.filter((r) => r.jobId === jobId).map((r) => r.kind)).toEqual(["refuse"]);
  });
});

describe("the start's report", () => {
  /** Runs one queued job with this start-report delay; its outcome and the reports it sent. */
  async function run(content: string, startReportDelayMs: number, before: (jobId: string) => void = () => {}) {
    const jobId = cp.enqueue(content);
    before(jobId);
    const outcome = await runAssignment(context([1000], startReportDelayMs), await claim(), new AbortController());
    return { outcome, reports: cp.reports.filter((r) => r.jobId === jobId) };
  }

  it("a job that ends within the delay sends no start: its completion carries when it started", async () => {
    const { outcome, reports } = await run("quick", 1_000);
    expect(outcome.kind).toBe("completed");
    expect(reports.map((r) => r.kind)).toEqual(["complete"]);
    expect(reports[0]!.body.startedMsAgo).toBeGreaterThanOrEqual(reports[0]!.body.durationMs as number);
    expect(reports[0]!.body.startedMsAgo).toBeLessThan(1_000);
  });

  it("a longer job reports its start once it has run the delay, dated when it began; its completion then carries none", async () => {
    const { outcome, reports } = await run("slow:900", 200);
    expect(outcome.kind).toBe("completed");
    expect(reports.map((r) => r.kind)).toEqual(["start", "complete"]);
    expect(reports[0]!.body.startedMsAgo).toBeGreaterThanOrEqual(200);
    expect(reports[0]!.body.startedMsAgo).toBeLessThan(900);
    expect(reports[1]!.body).not.toHaveProperty("startedMsAgo");
  });

  it("a failure within the delay carries the start too", async () => {
    const { outcome, reports } = await run("crash", 5_000);
    expect(outcome.kind).toBe("failed");
    expect(reports.map((r) => r.kind)).toEqual(["fail"]);
    expect(reports[0]!.body.startedMsAgo).toEqual(expect.any(Number));
  });

  it("a start reported on the timer that finds the lease lost stops the job: dropped, nothing more sent", async () => {
    const t0 = Date.now();
    const { outcome, reports } = await run("slow:3000", 100, (jobId) => cp.lostAtStart.add(jobId));
    expect(outcome).toMatchObject({ kind: "dropped", why: "lease lost at start" });
    expect(Date.now() - t0).toBeLessThan(2_500);
    expect(reports.map((r) => r.kind)).toEqual(["start"]);
  });
});

describe("runAssignment while the control plane restarts", () => {
  const kindsFor = (jobId: string) => cp.reports.filter((r) => r.jobId === jobId).map((r) => r.kind);

  it.each(["503", "reset"] as const)("a result that meets an outage (%s) is sent again until it lands, once", async (how) => {
    const jobId = cp.enqueue("quick");
    cp.failNext("complete", 2, how);
    const before = cp.failed.get("complete") ?? 0;
    const outcome = await runAssignment(context([1000]), await claim(), new AbortController());
    expect(outcome.kind).toBe("completed");
    expect(cp.failed.get("complete")! - before).toBe(2);
    expect(kindsFor(jobId)).toEqual(["start", "complete"]);
  });

  it("the file, the start and a failure are sent again too, so an outage costs no attempt", async () => {
    const jobId = cp.enqueue("crash");
    cp.failNext("file", 1, "reset");
    cp.failNext("start", 1);
    cp.failNext("fail", 2);
    const outcome = await runAssignment(context([1000]), await claim(), new AbortController());
    expect(outcome).toMatchObject({ kind: "failed" });
    expect(kindsFor(jobId)).toEqual(["start", "fail"]);
  });

  it("a refusal is sent again too (unsent, the lease would run out and use an attempt)", async () => {
    const jobId = cp.enqueue("quick");
    cp.failNext("refuse", 1);
    const outcome = await runAssignment(context([9600]), await claim(), new AbortController());
    expect(outcome.kind).toBe("refused");
    expect(kindsFor(jobId)).toEqual(["refuse"]);
  });

  it("gives up after deliverGiveUpMs: the result is dropped and the lease decides", async () => {
    const jobId = cp.enqueue("quick");
    cp.failNext("complete", 1_000);
    const outcome = await runAssignment({ ...context([1000]), deliverGiveUpMs: 600 }, await claim(), new AbortController());
    cp.failNext("complete", 0);
    expect(outcome.kind).toBe("completed");
    expect(kindsFor(jobId)).toEqual(["start"]);
  });

  it("stops sending once the job is revoked", async () => {
    const jobId = cp.enqueue("quick");
    cp.failNext("complete", 1_000);
    const abort = new AbortController();
    const t0 = Date.now();
    setTimeout(() => abort.abort(new JobAbort("revoked", "lease revoked by the control plane")), 800);
    await runAssignment(context([1000]), await claim(), abort);
    cp.failNext("complete", 0);
    expect(Date.now() - t0).toBeLessThan(20_000);
    expect(kindsFor(jobId)).toEqual(["start"]);
  });

  it("an answer that says the request is wrong (4xx) is not sent again", async () => {
    const jobId = cp.enqueue("quick");
    cp.leaseLost.add(jobId);
    const outcome = await runAssignment(context([1000]), await claim(), new AbortController());
    expect(outcome).toMatchObject({ kind: "dropped", why: "lease lost at complete" });
    expect(kindsFor(jobId)).toEqual(["start", "complete"]);
  });
});
