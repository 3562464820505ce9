// Small helpers the agent's process-level tests share. Behaviour, not speed, is under test: waits
// poll a condition against a generous deadline.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Agent } from "./agent.ts";
import type { TReport } from "./agent/fake-control-plane.ts";

/** Whether a process with this pid exists (signal 0 checks without signalling). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Polls `fn` every 20 ms until it returns something truthy, and returns that; throws after `timeoutMs`. */
export async function until<T>(fn: () => T | undefined | false, timeoutMs = 10_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() - t0 > timeoutMs) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** What the in-memory control plane (made later, in beforeAll) heard about each job, and waits on it. */
export function jobReports(cp: () => { reports: readonly TReport[] }) {
  const reportsFor = (jobId: string) => cp().reports.filter((r) => r.jobId === jobId).map((r) => r.kind);
  return {
    reportsFor,
    waitForFinal: (jobId: string) => until(() => cp().reports.find((r) => r.jobId === jobId && (r.kind === "complete" || r.kind === "fail" || r.kind === "refuse"))),
    started: (jobId: string) => until(() => reportsFor(jobId).includes("start")),
    /** The pid a scripted result names: the runner child that ran the job. */
    ranOn: (final: { body: Record<string, unknown> }) => Number(/\(pid (\d+)\)$/.exec((final.body.result as { text: string }).text)?.[1]),
  };
}

/**
 * Scripted-child jobs that stay in flight until the test opens them (`gate:<file>` runs until the file
 * exists), so overlap is shown by order, never by timing.
 */
export function gateFolder(prefix: string) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  let count = 0;
  return {
    gate: () => {
      const file = join(dir, `g${++count}`);
      return { cmd: `gate:${file}`, open: () => writeFileSync(file, "") };
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Stop the agent and its control plane; returns the runner pids still alive afterwards (none, rightly). */
export async function stopAgent(agent: Agent, running: Promise<void>, cp: { close(): Promise<void> }): Promise<number[]> {
  const pids = agent.runners.flatMap((r) => (r.pid === null ? [] : [r.pid]));
  await agent.stop("test over");
  await running;
  await cp.close();
  return pids.filter(alive);
}
