// Faults that end processes: a runner or a whole agent killed mid-job, a runner that hangs,
// schedulers, control-plane replicas and Postgres killed or stopped under load.
import { getSettings, putSettings } from "../fleet-bench/api.ts";
import { readProcs } from "../gpu-host/proc-tree.ts";
import { attemptEvents, busyRunner, injection, isAlive, runningJob, sleep, waitFor, waitTerminal, type TFaultContext } from "./fault-support.ts";
import type { TInjection } from "./reconcile.ts";

/** kill -9 of the runner serving a job; the job must be retried (or fail RUNNER_CRASHED), never lost. */
export async function runnerKill(ctx: TFaultContext, index: number): Promise<TInjection> {
  const inj = injection("runner-kill", index, "kill -9 of the busy runner");
  const job = await runningJob(ctx, 60_000);
  if (!job) return { ...inj, note: "no job was running within 60 s" };
  const runner = await busyRunner(ctx, job);
  if (!runner) return { ...inj, note: `no runner process found below agent ${job.node}` };
  process.kill(runner.pid, "SIGKILL");
  ctx.hit.add(job.id);
  const at = Date.now();
  const done = await waitTerminal(ctx, job.id, 180_000);
  const events = await attemptEvents(ctx, job.id, job.attempt);
  // The kill counts only if it interrupted the attempt: that attempt must not have completed.
  const midJob = !events.some((e) => e.type === "completed");
  const failedChecks: string[] = [];
  if (!done) failedChecks.push("the job did not finish within 180 s of the kill");
  if (!(await waitFor(async () => (ctx.stack.runners(job.node).length > 0 ? true : null), 60_000))) failedChecks.push("the agent had no runner 60 s after the kill");
  return {
    ...inj,
    at,
    injected: midJob,
    victimJobId: job.id,
    note: midJob ? `job ${job.id} attempt ${job.attempt} on ${job.node}: ${events.map((e) => e.type + (e.code ? ` ${e.code}` : "")).join(", ")}` : `runner ${runner.pid} killed, but its job had already completed (not mid-job)`,
    failedChecks,
  };
}

/** kill -9 of a whole agent (its process group: agent and runners) while it runs a job, then a restart. */
export async function agentKill(ctx: TFaultContext, index: number): Promise<TInjection> {
  const inj = injection("agent-kill", index, "kill -9 of the agent and its runners, restarted");
  const job = await runningJob(ctx, 60_000);
  if (!job) return { ...inj, note: "no job was running within 60 s" };
  const runnersBefore = ctx.stack.runners(job.node).map((p) => p.pid);
  ctx.stack.killAgent(job.node);
  ctx.hit.add(job.id);
  const at = Date.now();
  const failedChecks: string[] = [];
  // A runner notices its agent is gone (IPC disconnect) once its current model call returns: allow a few seconds.
  const orphansGoneMs = await waitFor(async () => (runnersBefore.some(isAlive) ? null : Date.now() - at), 15_000, 100);
  const orphans = runnersBefore.filter(isAlive);
  if (orphans.length) {
    failedChecks.push(`runner(s) ${orphans.join(", ")} outlived their agent by 15 s`);
    for (const pid of orphans) process.kill(pid, "SIGKILL");
  }
  const restartAt = new Date();
  ctx.stack.startAgent(job.node);
  let restartMs: number | null = null;
  // Back means registered again, then a heartbeat after that: a heartbeat the killed agent had in
  // flight can land after the kill, and counting it said "back after 4 ms".
  const registered = await waitFor(
    () => ctx.stack.prisma.nodeEvent.findFirst({ where: { type: "registered", createdAt: { gt: restartAt }, node: { name: job.node } }, select: { createdAt: true } }),
    180_000,
  );
  if (!registered) failedChecks.push("the restarted agent did not register within 180 s");
  else {
    try {
      await ctx.stack.waitAgentsOnline([job.node], 60_000, registered.createdAt);
      restartMs = Date.now() - restartAt.getTime();
    } catch (err) {
      failedChecks.push((err as Error).message);
    }
  }
  const done = await waitTerminal(ctx, job.id, 180_000);
  if (!done) failedChecks.push("the job did not finish within 180 s");
  return { ...inj, at, injected: true, victimJobId: job.id, note: `job ${job.id} on ${job.node}; its runners gone after ${orphansGoneMs ?? "> 15000"} ms; restarted agent registered and heartbeating after ${restartMs ?? "?"} ms; job ${done?.status ?? "unfinished"}`, failedChecks };
}

/** A runner that stops answering (SIGSTOP) mid-job: the per-job timeout fires, the runner is recycled, the job retried or failed TIMEOUT. */
export async function hungRunner(ctx: TFaultContext, index: number, jobTimeoutS: number, timeoutSince: Date): Promise<TInjection> {
  const inj = injection("hung-runner", index, `SIGSTOP of the busy runner (jobTimeoutS ${jobTimeoutS})`);
  // An agent reads the timeout when a job starts: only a job started under the short one will time out.
  const job = await runningJob(ctx, 60_000, { startedAfter: timeoutSince });
  if (!job) return { ...inj, note: "no job was running within 60 s" };
  const runner = await busyRunner(ctx, job);
  if (!runner) return { ...inj, note: `no runner process found below agent ${job.node}` };
  process.kill(runner.pid, "SIGSTOP");
  ctx.hit.add(job.id);
  const at = Date.now();
  const failedChecks: string[] = [];
  const gone = await waitFor(async () => (isAlive(runner.pid) ? null : Date.now() - at), (jobTimeoutS + 30) * 1000);
  if (gone === null) {
    failedChecks.push(`the hung runner ${runner.pid} was not recycled within ${jobTimeoutS + 30} s`);
    process.kill(runner.pid, "SIGKILL");
  }
  const done = await waitTerminal(ctx, job.id, 180_000);
  const events = await attemptEvents(ctx, job.id, job.attempt);
  const timedOut = events.some((e) => (e.type === "retried" || e.type === "failed") && e.code === "TIMEOUT");
  if (!timedOut) failedChecks.push(`attempt ${job.attempt} did not end with TIMEOUT: ${events.map((e) => e.type + (e.code ? ` ${e.code}` : "")).join(", ")}`);
  if (!done) failedChecks.push("the job did not finish within 180 s");
  return { ...inj, at, injected: !events.some((e) => e.type === "completed"), victimJobId: job.id, note: `runner recycled after ${gone ?? "?"} ms; job ${done?.status ?? "unfinished"}${done?.errorCode ? ` ${done.errorCode}` : ""}`, failedChecks };
}

/** Sets the fleet's per-job timeout and waits until every agent has applied it; returns the previous value. */
export async function setJobTimeout(ctx: TFaultContext, seconds: number): Promise<number> {
  const base = ctx.stack.baseUrl;
  const key = ctx.stack.credentials.apiKey;
  const before = (await getSettings(base, key)).thresholds.jobTimeoutS;
  const { version } = await putSettings(base, key, { jobTimeoutS: seconds });
  await waitFor(async () => {
    const nodes = await ctx.stack.prisma.node.findMany({ where: { name: { in: [...ctx.stack.agents.keys()] } }, select: { appliedSettingsVersion: true } });
    return nodes.every((n) => (n.appliedSettingsVersion ?? 0) >= (version ?? 0)) ? true : null;
  }, 30_000);
  return before;
}

/** Schedulers: even injections kill one of two running, odd ones kill every scheduler; each comes back after 2 s. */
export async function schedulerKill(ctx: TFaultContext, index: number): Promise<TInjection> {
  const both = index % 2 === 1;
  const inj = injection("scheduler", index, both ? "kill -9 of both schedulers" : "kill -9 of one of two schedulers");
  if (!ctx.stack.schedulerRunning(1)) ctx.stack.startScheduler(1);
  await sleep(1_000);
  const at = Date.now();
  const victims = both ? [0, 1] : [index % 4 === 0 ? 0 : 1];
  for (const i of victims) ctx.stack.killScheduler(i);
  await sleep(2_000);
  for (const i of victims) ctx.stack.startScheduler(i);
  await sleep(3_000);
  const failedChecks = victims.filter((i) => !ctx.stack.schedulerRunning(i)).map((i) => `scheduler${i} did not stay up after its restart`);
  return { ...inj, at, injected: true, note: `killed scheduler ${victims.join(" and ")}`, failedChecks };
}

/** Control-plane replicas: even injections kill one of two (agents long-poll both through the balancer), odd ones kill both. */
export async function controlPlaneKill(ctx: TFaultContext, index: number): Promise<TInjection> {
  const both = index % 2 === 1;
  const inj = injection("control-plane", index, both ? "kill -9 of both replicas" : "kill -9 of one of two replicas");
  const victims = both ? [0, 1] : [Math.floor(index / 2) % 2];
  const at = Date.now();
  for (const i of victims) ctx.stack.killWeb(i);
  await sleep(2_000);
  const failedChecks: string[] = [];
  try {
    await Promise.all(victims.map((i) => ctx.stack.startWeb(i)));
  } catch (err) {
    failedChecks.push(`restart failed: ${(err as Error).message}`);
  }
  return { ...inj, at, injected: true, note: `replica(s) ${victims.join(" and ")} back after ${Date.now() - at} ms`, failedChecks };
}

/** Postgres under load: even injections a fast shutdown (SIGINT), odd ones kill -9 of the postmaster; down 3 s, then started again. */
export async function postgresFault(ctx: TFaultContext, index: number): Promise<TInjection> {
  const crash = index % 2 === 1;
  const inj = injection("postgres", index, crash ? "kill -9 of the postmaster" : "fast stop");
  const pid = ctx.stack.postmasterPid();
  if (pid === null || !isAlive(pid)) return { ...inj, note: "no postmaster pid file" };
  const at = Date.now();
  process.kill(pid, crash ? "SIGKILL" : "SIGINT");
  const failedChecks: string[] = [];
  if ((await waitFor(async () => (isAlive(pid) ? null : true), 30_000)) === null) failedChecks.push(`postmaster ${pid} still alive 30 s after the signal`);
  await sleep(3_000);
  try {
    await ctx.stack.restartPostgres();
  } catch (err) {
    failedChecks.push(`restart failed: ${(err as Error).message}`);
  }
  const backends = readProcs().filter((p) => p.ppid === pid).length;
  return { ...inj, at, injected: true, note: `postmaster ${pid}; back after ${Date.now() - at} ms${backends ? `; ${backends} old backend(s) left` : ""}`, failedChecks };
}
