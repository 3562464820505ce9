import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { Runner, RunnerError, type TRunnerRestart } from "./runner.ts";
import { alive } from "../test-support.ts";

const SCRIPTED = fileURLToPath(new URL("./test-children/scripted-child.ts", import.meta.url));
const log = pino({ level: "silent" });
const until = async (cond: () => boolean, timeoutMs = 5_000) => {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
};

const runners: Runner[] = [];
function makeRunner(providers = ["scripted"], restarts: TRunnerRestart[] = [], maxJobs?: number) {
  const r = new Runner({ config: { providers, ...(maxJobs && { maxJobs }) }, log, childModulePath: SCRIPTED, killGraceMs: 500, onRestart: (e) => restarts.push(e) });
  runners.push(r);
  return r;
}
afterEach(async () => {
  await Promise.all(runners.splice(0).map((r) => r.stop()));
});

const codeOf = (p: Promise<unknown>) => p.then(() => "ok", (e: RunnerError) => e.code);

describe("Runner supervising a child process", () => {
  it("starts, reports provider notes, and answers from a resident child", async () => {
    const r = makeRunner();
    const ready = await r.start();
    expect(ready).toMatchObject({ provider: "scripted", model: "scripted", providerNotes: [{ provider: "scripted", ok: true }] });
    expect(r.pid).toBe(ready.pid);
    expect(ready.pid).not.toBe(process.pid);
    const a = await r.recognize(Buffer.from("hello"), { timeoutMs: 5_000 });
    const b = await r.recognize(Buffer.from("again"), { timeoutMs: 5_000 });
    expect(a.text).toBe(`hello (pid ${ready.pid})`);
    expect(b.text).toBe(`again (pid ${ready.pid})`); // same process: the model stays loaded
  });

  it("a model that cannot load fails start with the reason", async () => {
    const r = makeRunner(["fail"]);
    await expect(r.start()).rejects.toThrow(/no execution provider could load/);
    expect(r.pid).toBeNull();
  });

  it.each([
    ["bad", "INVALID_INPUT"],
    ["oom", "GPU_OOM"],
    ["boom", "INTERNAL"],
  ])("an engine error on %s is typed %s and the runner keeps serving", async (cmd, code) => {
    const r = makeRunner();
    const { pid } = await r.start();
    expect(await codeOf(r.recognize(Buffer.from(cmd), { timeoutMs: 5_000 }))).toBe(code);
    expect((await r.recognize(Buffer.from("next"), { timeoutMs: 5_000 })).text).toBe(`next (pid ${pid})`);
  });

  it("a child that dies mid-job fails the job RUNNER_CRASHED and is restarted", async () => {
    const restarts: TRunnerRestart[] = [];
    const r = makeRunner(["scripted"], restarts);
    const first = await r.start();
    expect(await codeOf(r.recognize(Buffer.from("crash"), { timeoutMs: 5_000 }))).toBe("RUNNER_CRASHED");
    // The next job waits for the restarted runner instead of failing.
    const after = await r.recognize(Buffer.from("after"), { timeoutMs: 5_000 });
    expect(after.text).not.toContain(`pid ${first.pid}`);
    await until(() => restarts.length === 1);
    expect(restarts[0]).toMatchObject({ reason: "crash", detail: expect.stringMatching(/code 3/) });
    expect(restarts[0]!.unavailableMs).toBeGreaterThan(0);
    expect(alive(first.pid)).toBe(false);
  });

  it("a hung job times out as TIMEOUT and the runner is recycled", async () => {
    const restarts: TRunnerRestart[] = [];
    const r = makeRunner(["scripted"], restarts);
    const first = await r.start();
    expect(await codeOf(r.recognize(Buffer.from("hang"), { timeoutMs: 200 }))).toBe("TIMEOUT");
    const after = await r.recognize(Buffer.from("after"), { timeoutMs: 5_000 });
    expect(after.text).not.toContain(`pid ${first.pid}`);
    await until(() => restarts.length === 1);
    expect(restarts[0]).toMatchObject({ reason: "timeout" });
    expect(alive(first.pid)).toBe(false);
  });

  it("an aborted job is ABORTED and its child is ended", async () => {
    const r = makeRunner();
    const first = await r.start();
    const ac = new AbortController();
    const job = codeOf(r.recognize(Buffer.from("hang"), { timeoutMs: 5_000, signal: ac.signal }));
    setTimeout(() => ac.abort("lease revoked"), 50);
    expect(await job).toBe("ABORTED");
    await until(() => !alive(first.pid));
  });

  it("recycle replaces the process and measures how long the node could not serve", async () => {
    const r = makeRunner(["scripted", "slowstart"]);
    const first = await r.start();
    const { unavailableMs, ready } = await r.recycle();
    expect(ready.pid).not.toBe(first.pid);
    expect(r.pid).toBe(ready.pid);
    expect(unavailableMs).toBeGreaterThanOrEqual(300); // includes the scripted 300 ms model load
    expect(alive(first.pid)).toBe(false);
    expect((await r.recognize(Buffer.from("x"), { timeoutMs: 5_000 })).text).toBe(`x (pid ${ready.pid})`);
  });

  it("stop ends the child and refuses further work", async () => {
    const r = makeRunner();
    const { pid } = await r.start();
    await r.stop();
    expect(alive(pid)).toBe(false);
    expect(r.pid).toBeNull();
    expect(await codeOf(r.recognize(Buffer.from("x"), { timeoutMs: 1_000 }))).toBe("INTERNAL");
  });

  it("the child exits by itself when its parent is SIGKILLed (no orphans)", async () => {
    const harness = spawn(process.execPath, ["--import", "tsx", fileURLToPath(new URL("./test-children/orphan-harness.ts", import.meta.url))], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    const childPid = await new Promise<number>((resolve, reject) => {
      harness.stdout.once("data", (d: Buffer) => resolve(Number(d.toString().trim())));
      harness.once("exit", () => reject(new Error("harness exited early")));
    });
    expect(alive(childPid)).toBe(true);
    harness.kill("SIGKILL");
    await until(() => !alive(childPid), 5_000);
  });

  it("with several jobs in flight, an aborted job is canceled in the child and the others finish there", async () => {
    const restarts: TRunnerRestart[] = [];
    const r = makeRunner(["scripted"], restarts, 2);
    const { pid } = await r.start();
    const ac = new AbortController();
    const gone = r.recognize(Buffer.from("slow:400"), { timeoutMs: 5_000, signal: ac.signal });
    const kept = r.recognize(Buffer.from("slow:300"), { timeoutMs: 5_000 });
    ac.abort("canceled by the user");
    expect(await codeOf(gone)).toBe("ABORTED");
    expect((await kept).text).toBe(`slow:300 (pid ${pid})`);
    expect(r.pid).toBe(pid);
    expect(restarts).toEqual([]);
  });
});
