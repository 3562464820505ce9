// SIGTERM to a real agent process (main.ts under tsx, a scripted runner child) against the in-memory
// control plane: it claims nothing more, lets a job finish within HEADROOM_SHUTDOWN_GRACE_MS or hands
// it back after, deregisters last, and exits 0, as Kubernetes expects of a pod told to stop.
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { gateFolder, jobReports, until } from "../test-support.ts";
import { FakeControlPlane } from "./fake-control-plane.ts";
import { SCRIPTED_CHILD } from "./scripted-agent.ts";

const ROOT = fileURLToPath(new URL("../../../..", import.meta.url));
const gates = gateFolder("headroom-shutdown-");
afterAll(() => gates.remove());

let cp: FakeControlPlane;
let agent: ChildProcess | undefined;
afterEach(async () => {
  if (agent && agent.exitCode === null) agent.kill("SIGKILL");
  await cp?.close();
});

async function startAgent(graceMs: number): Promise<{ exited: Promise<number | null> }> {
  cp = await new FakeControlPlane().listen();
  // `node --import tsx` rather than tsx's CLI, so the signal goes to the agent itself, not to a wrapper.
  agent = spawn(process.execPath, ["--import", "tsx", path.join(ROOT, "apps/gpu-node/src/main.ts")], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      HEADROOM_CONTROL_URL: cp.url,
      HEADROOM_ENROLL_TOKEN: "enrol",
      HEADROOM_PROVIDERS: "scripted",
      HEADROOM_RUNNER_MODULE: SCRIPTED_CHILD,
      HEADROOM_CPU_BUDGET_MIB: "4096",
      HEADROOM_SHUTDOWN_GRACE_MS: String(graceMs),
      LOG_LEVEL: "warn",
    },
    stdio: ["ignore", "ignore", "inherit"],
  });
  const exited = new Promise<number | null>((r) => agent!.once("exit", (code) => r(code)));
  await until(() => cp.registrations.length > 0, 30_000);
  return { exited };
}

describe("agent process on SIGTERM", () => {
  const { reportsFor, started, waitForFinal } = jobReports(() => cp);

  it("finishes the job in flight, claims nothing more, deregisters after its report, exits 0", async () => {
    const { exited } = await startAgent(20_000);
    const g = gates.gate();
    const job = cp.enqueue(g.cmd);
    await started(job);

    agent!.kill("SIGTERM");
    await new Promise((r) => setTimeout(r, 500));
    const later = cp.enqueue("ok");
    await new Promise((r) => setTimeout(r, 500));
    g.open();

    expect(await exited).toBe(0);
    expect(reportsFor(job)).toEqual(["start", "complete"]);
    expect(cp.queue.map((q) => q.assignment.jobId)).toEqual([later]);
    expect(cp.deregistered).toBe(1);
    expect(cp.reportsAtDeregister).toBe(cp.reports.length);
  }, 60_000);

  it("hands back a job that outlasts the grace period, without using an attempt, then deregisters and exits 0", async () => {
    const { exited } = await startAgent(1_000);
    const job = cp.enqueue(gates.gate().cmd); // never opened
    await started(job);

    const t0 = Date.now();
    agent!.kill("SIGTERM");
    const final = await waitForFinal(job);
    const handedBackAfterMs = Date.now() - t0;

    expect(await exited).toBe(0);
    expect(final.kind).toBe("refuse");
    expect(final.body).toMatchObject({ attempt: 1, reason: "agent shutting down" });
    expect(handedBackAfterMs).toBeGreaterThanOrEqual(1_000);
    expect(cp.deregistered).toBe(1);
    expect(cp.reportsAtDeregister).toBe(cp.reports.length);
  }, 60_000);
});
