// Finding the runner that serves a job from the agent's own log line.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { startedOnPid } from "./fault-support.ts";

const dir = await mkdtemp(path.join(os.tmpdir(), "chaos-log-"));
afterAll(() => rm(dir, { recursive: true, force: true }));

const job = { id: "6f1c2a9e-0000-4000-8000-000000000001", attempt: 2 };
const line = (o: object) => JSON.stringify({ level: 30, time: 1, ...o });

describe("startedOnPid", () => {
  it("is the runnerPid of the job's 'job started' line for that attempt", async () => {
    const file = path.join(dir, "agent-1.log");
    await writeFile(
      file,
      [
        line({ jobId: job.id, attempt: 1, runnerPid: 111, msg: "job started" }),
        line({ jobId: "another", attempt: 2, runnerPid: 999, msg: "job started" }),
        line({ jobId: job.id, attempt: 2, msg: "job fetched" }),
        line({ jobId: job.id, attempt: 2, runnerPid: 222, msg: "job started" }),
        `{"level":30,"jobId":"${job.id}","msg":"job sta`, // cut off mid-write
      ].join("\n"),
    );
    expect(await startedOnPid(file, job)).toBe(222);
    expect(await startedOnPid(file, { ...job, attempt: 1 })).toBe(111);
    expect(await startedOnPid(file, { ...job, attempt: 3 })).toBeNull();
  });

  it("is null without a pid (an older agent), or without a log", async () => {
    const file = path.join(dir, "agent-2.log");
    await writeFile(file, line({ jobId: job.id, attempt: 2, msg: "job started" }));
    expect(await startedOnPid(file, job)).toBeNull();
    expect(await startedOnPid(path.join(dir, "none.log"), job)).toBeNull();
  });
});
