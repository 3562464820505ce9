// Dispatch latency: submit → the agent holding the job, with the real scheduler loop and the
// control plane's real claim long-poll, minus HTTP. The agents are SIMULATED: each is a loop in
// this process that claims through `claimForNode` (the function behind POST /api/agent/v1/claim),
// starts and completes through the real lifecycle functions, heartbeats through the real
// heartbeat handler every 2 s, and "runs" each job by sleeping. With `notify`, the scheduler and
// the claim long-polls each get their own LISTEN connection, as the shipped processes do.
import { randomUUID } from "node:crypto";
import { setMaxListeners } from "node:events";
import { performance } from "node:perf_hooks";
import type { PrismaClient } from "@headroom/db";
import { PgListener } from "@headroom/db/listener";
import { claimForNode } from "../src/store/claim-long-poll.ts";
import { heartbeat } from "../src/store/heartbeat.ts";
import { storeSamples } from "../src/store/samples.ts";
import { completeJob, startJob } from "../src/store/lifecycle.ts";
import { DEFAULT_START_REPORT_DELAY_MS as START_REPORT_DELAY_MS } from "@headroom/protocol";
import { startSchedulerLoop } from "../src/loop.ts";
import { notifyQueueChanged, QUEUE_CHANNEL } from "../src/notify.ts";
import { pgLoadSince, pgMark, type TPgLoad } from "./pg-load.ts";
import { seqUuid } from "./random.ts";
import { fmt, sleep, summarize, table, type TSummary } from "./stats.ts";

export type TDispatchOptions = { agents: number; steadyJobs: number; ratePerS: number; burstJobs: number; workMs: number; notify: boolean };

const LEASE_MS = 30_000; // the control plane's default HEADROOM_LEASE_MS
const CLAIM_WAIT_MS = 20_000; // the agent's default long-poll
const HEARTBEAT_MS = 2_000; // the agent's default heartbeat interval
const SAMPLE_MS = 250; // DEFAULT_THRESHOLDS.sampleIntervalMs
const SAMPLE_FLUSH_MS = 1_000; // the agent's outbox flush loop
const TOTAL_MIB = 81_920;
const USED_MIB = 8_000;

type TPhase = { name: string; submitToClaimMs: TSummary; insertMs: TSummary; wallS: number; claimed: number; submitted: number; load: TPgLoad };

export type TDispatchResult = { notify: boolean; agents: number; phases: TPhase[]; ticks: number; tickErrors: number; placedPerTick: number };

function jobRow(id: string) {
  return { id, fileName: "scan.png", mimeType: "image/png", sizeBytes: 500_000, sha256: "0".repeat(64), widthPx: 2480, heightPx: 3508, pages: 1, storageKey: `sim-${id}` };
}

export async function benchDispatch(url: string, scheduler: PrismaClient, web: PrismaClient, o: TDispatchOptions, log: (msg: string) => void): Promise<TDispatchResult> {
  const onListenerError = (err: unknown) => log(`listener: ${err instanceof Error ? err.message : String(err)}`);
  const schedulerListener = o.notify ? new PgListener(url, onListenerError) : undefined;
  const webListener = o.notify ? new PgListener(url, onListenerError) : null;
  const nodeIds = Array.from({ length: o.agents }, (_, i) => seqUuid(3, i));
  await web.node.createMany({
    data: nodeIds.map((id, i) => ({
      id,
      name: `sim-agent-${i}`,
      hostname: "simulated",
      kind: "GPU" as const,
      provider: "cuda",
      tokenHash: `sim-${id}`,
      totalMiB: TOTAL_MIB,
      usedMiB: USED_MIB,
      freeMiB: TOTAL_MIB - USED_MIB,
      maxConcurrent: 1, // the shipped agent runs one job at a time
      lastHeartbeatAt: new Date(),
    })),
  });

  const submittedAt = new Map<string, { before: number; after: number }>();
  const claimedAt = new Map<string, number>();
  const stop = new AbortController();
  setMaxListeners(0, stop.signal); // one listener per simulated agent's long-poll
  let ticks = 0;
  let placed = 0;
  let tickErrors = 0;
  const loop = startSchedulerLoop(scheduler, {
    nodeOfflineMs: 15_000,
    listener: schedulerListener,
    onTick: (r) => {
      ticks++;
      placed += r.placed;
    },
    onError: (err) => {
      tickErrors++;
      log(`scheduler tick failed: ${err instanceof Error ? err.message : String(err)}`);
    },
  });

  const memory = { usedMiB: USED_MIB, totalMiB: TOTAL_MIB, freeMiB: TOTAL_MIB - USED_MIB, processMiB: 2_000, utilPct: 0, source: "simulated" };
  // A simulated agent that fails stops the run (and is rethrown at the end) instead of crashing the process.
  let agentError: unknown = null;
  const failRun = (err: unknown) => {
    agentError ??= err;
    stop.abort();
  };
  const agent = async (nodeId: string) => {
    let active: { jobId: string; attempt: number }[] = [];
    const beat = (async () => {
      while (!stop.signal.aborted) {
        // Idle, the beat carries the memory sample (sampleAt), as the shipped agent's does.
        const sampleAt = active.length === 0 ? { sampleAt: new Date().toISOString() } : {};
        await heartbeat(web, nodeId, { memory, activeJobs: active, appliedSettingsVersion: null, ...sampleAt }, LEASE_MS);
        await sleep(HEARTBEAT_MS);
      }
    })().catch(failRun);
    // The agent's outbox: every second while a job runs, the samples taken since (one per 250 ms, the
    // shipped sampleIntervalMs), through the real telemetry handler. Idle samples ride the heartbeat.
    const samples = (async () => {
      while (!stop.signal.aborted) {
        await sleep(SAMPLE_FLUSH_MS);
        if (active.length === 0) continue;
        const n = SAMPLE_FLUSH_MS / SAMPLE_MS;
        const at = new Date().toISOString();
        const jobId = active[0]?.jobId ?? null;
        await storeSamples(web, nodeId, { samples: Array.from({ length: n }, () => ({ at, usedMiB: USED_MIB, totalMiB: TOTAL_MIB, processMiB: 2_000, utilPct: 50, jobId })) });
      }
    })().catch(failRun);
    let authedAt = -Infinity;
    while (!stop.signal.aborted) {
      // The claim route looks the node up by its token hash before it long-polls, once per
      // NODE_TOKEN_TTL_MS (5 s: apps/web/src/server/agent/node-auth.ts) on a replica.
      if (performance.now() - authedAt >= 5_000) {
        await web.node.findUnique({ where: { tokenHash: `sim-${nodeId}` }, select: { id: true, name: true } });
        authedAt = performance.now();
      }
      const a = await claimForNode(web, webListener, nodeId, CLAIM_WAIT_MS, LEASE_MS, stop.signal);
      if (!a) continue;
      claimedAt.set(a.jobId, performance.now());
      const ref = { jobId: a.jobId, nodeId, attempt: a.attempt };
      active = [{ jobId: a.jobId, attempt: a.attempt }];
      // As the shipped agent does: the start is reported once the job has run START_REPORT_DELAY_MS,
      // and a job that ends first carries it in its completion.
      const startedAt = performance.now();
      const reported = o.workMs >= START_REPORT_DELAY_MS ? sleep(START_REPORT_DELAY_MS).then(() => startJob(web, ref, { usedMiB: USED_MIB }, START_REPORT_DELAY_MS)) : null;
      await sleep(o.workMs);
      await reported;
      await completeJob(web, ref, {
        ...(reported ? {} : { startedMsAgo: Math.round(performance.now() - startedAt) }),
        attempt: a.attempt,
        result: { pages: [], text: "", model: "simulated", provider: "cuda", timingsMs: {} },
        memory: { beforeMiB: USED_MIB, afterMiB: USED_MIB, peakMiB: USED_MIB + 500 },
        durationMs: o.workMs,
        // The "after" reading rides the completion, as the shipped agent's samples do.
        samples: [{ at: new Date().toISOString(), usedMiB: USED_MIB, totalMiB: TOTAL_MIB, processMiB: 2_000, utilPct: 50, jobId: a.jobId }],
      });
      active = [];
    }
    await Promise.all([beat, samples]);
  };
  const agents = nodeIds.map((id) => agent(id).catch(failRun));

  const waitClaimed = async (ids: string[], timeoutMs: number) => {
    const deadline = performance.now() + timeoutMs;
    while (ids.some((id) => !claimedAt.has(id)) && performance.now() < deadline && !stop.signal.aborted) await sleep(20);
  };
  const phase = (name: string, ids: string[], wallS: number, load: TPgLoad): TPhase => {
    const lat = ids.filter((id) => claimedAt.has(id) && submittedAt.has(id)).map((id) => claimedAt.get(id)! - submittedAt.get(id)!.after);
    const ins = ids.filter((id) => submittedAt.has(id)).map((id) => submittedAt.get(id)!.after - submittedAt.get(id)!.before);
    return { name, submitToClaimMs: summarize(lat), insertMs: summarize(ins), wallS, claimed: lat.length, submitted: ids.length, load };
  };

  const phases: TPhase[] = [];
  try {
    await Promise.all([schedulerListener?.ensureConnected(), webListener?.ensureConnected()]);
    await sleep(500); // agents registered and polling, scheduler idle
    // Steady: one job every 1/rate s, each written as POST /api/v1/jobs does (INSERT + queue NOTIFY, one transaction).
    log(`dispatch (${o.notify ? "NOTIFY" : "polling only"}): ${o.steadyJobs} jobs at ${o.ratePerS}/s to ${o.agents} simulated agents`);
    const steady: string[] = [];
    const submits: Promise<void>[] = [];
    const mark = await pgMark(web);
    const t0 = performance.now();
    for (let i = 0; i < o.steadyJobs; i++) {
      const wait = t0 + (i * 1_000) / o.ratePerS - performance.now();
      if (wait > 0) await sleep(wait);
      const id = randomUUID();
      steady.push(id);
      // Submits overlap, as requests from many clients do: the next one does not wait for this one.
      submits.push(
        (async () => {
          const before = performance.now();
          // INSERT + NOTIFY in one transaction, as the route does; the array form saves the
          // interactive transaction's extra round trips, so the submitter is not what saturates.
          await web.$transaction([web.job.create({ data: jobRow(id) }), web.$executeRaw`SELECT pg_notify(${QUEUE_CHANNEL}, '')`], { maxWait: 30_000 } as never);
          submittedAt.set(id, { before, after: performance.now() });
        })().catch(failRun),
      );
    }
    await Promise.all(submits);
    await waitClaimed(steady, 30_000);
    phases.push(phase(`steady, ${o.ratePerS} jobs/s`, steady, (performance.now() - t0) / 1_000, await pgLoadSince(web, mark)));

    if (o.burstJobs > 0) {
      // Burst: many jobs at once (one multi-row INSERT), to see how fast the fleet drains a backlog.
      log(`dispatch: burst of ${o.burstJobs} jobs`);
      const burst = Array.from({ length: o.burstJobs }, () => randomUUID());
      const burstMark = await pgMark(web);
      const t1 = performance.now();
      await web.$transaction(async (tx) => {
        await tx.job.createMany({ data: burst.map(jobRow) });
        await notifyQueueChanged(tx);
      });
      const t2 = performance.now();
      for (const id of burst) submittedAt.set(id, { before: t1, after: t2 });
      await waitClaimed(burst, 60_000);
      phases.push(phase(`burst of ${o.burstJobs} at once`, burst, (Math.max(...burst.map((id) => claimedAt.get(id) ?? t2)) - t1) / 1_000, await pgLoadSince(web, burstMark)));
    }
  } finally {
    stop.abort();
    await loop.stop();
    await Promise.all(agents);
    await Promise.all([schedulerListener?.close(), webListener?.close()]);
  }
  if (agentError) throw agentError;
  return { notify: o.notify, agents: o.agents, phases, ticks, tickErrors, placedPerTick: ticks ? placed / ticks : 0 };
}

export function dispatchReport(o: Pick<TDispatchOptions, "agents" | "workMs">, results: TDispatchResult[]): string {
  const rows = results.flatMap((r) =>
    r.phases.map((p) => {
      const s = p.submitToClaimMs;
      const mode = `${r.notify ? "NOTIFY wake-ups (as shipped)" : "no LISTEN (fallback polls only)"}, ${r.agents} agents`;
      const l = p.load;
      return [
        mode, p.name, `${p.claimed}/${p.submitted}`, fmt(s.p50), fmt(s.p90), fmt(s.p99), fmt(s.max), fmt(p.claimed / p.wallS, 1), fmt(p.insertMs.p50, 1),
        l.cpuS === null ? "–" : `${fmt((l.cpuS / l.wallS) * 100, 0)} %`, `${fmt(l.walBytes / l.wallS / 2 ** 20, 2)} MiB/s`, `${fmt(l.walBytes / Math.max(1, p.claimed) / 1024, 1)} KiB`,
      ];
    }),
  );
  const ticks = results.map((r) => `${r.notify ? "NOTIFY" : "polling"}: ${r.ticks} ticks, ${fmt(r.placedPerTick, 2)} placed per tick, ${r.tickErrors} tick errors`).join("; ");
  return [
    table(["mode", "phase", "claimed", "p50 ms", "p90 ms", "p99 ms", "max ms", "claimed per s", "submit txn p50 ms", "Postgres CPU (of one core)", "WAL", "WAL per job"], rows),
    "",
    `- Path covered (real code, real Postgres): the job row INSERT + \`pg_notify\` in one transaction (as \`POST /api/v1/jobs\` writes it) → \`startSchedulerLoop\` / \`schedulerTick\` places it → \`claimForNode\` (the function behind \`POST /api/agent/v1/claim\`, ${CLAIM_WAIT_MS / 1_000} s long-poll, ${LEASE_MS / 1_000} s lease) returns it to the agent. The clock starts when the submit transaction has committed and stops when \`claimForNode\` returns. Agents then call \`completeJob\` (and \`startJob\` first for a job that runs ${START_REPORT_DELAY_MS / 1_000} s or more, as the shipped agent reports its start), \`heartbeat\` (every ${HEARTBEAT_MS / 1_000} s) and \`storeSamples\` (every ${SAMPLE_FLUSH_MS / 1_000} s: ${SAMPLE_FLUSH_MS / SAMPLE_MS} samples while a job runs; an idle node's sample rides its heartbeat), so the database sees a working fleet's writes.`,
    `- Modes: "NOTIFY" gives the scheduler loop and the claim long-polls each a \`PgListener\` (separate LISTEN connections, as the scheduler process and the web app have), so a submit wakes the scheduler and a placement wakes the node's long-poll. "no LISTEN" passes no listener: the scheduler ticks on its 100 ms busy / 250 ms idle timer and the long-poll falls back to its 1 s poll.`,
    `- Not covered: HTTP (Next.js routing, bearer auth, zod parsing, JSON over loopback), file upload and validation, the agent fetching the file, and separate processes: the scheduler (own Prisma client), the ${o.agents} SIMULATED agents and the submitter share one Node process and its event loop. No OCR runs: each simulated job "works" by sleeping ${o.workMs} ms.`,
    `- Nodes: SIMULATED rows of 80 GiB, maxConcurrent 1 (the shipped agent runs one job at a time), as many as the mode says. ${ticks}.`,
    `- Postgres CPU: user + system time of the server's processes (/proc) over the phase's wall time, 100 % = one core busy. WAL: \`pg_wal_lsn_diff\` over the phase, per second and per claimed job; it covers the whole lifecycle of each job here (submit, placement, claim, start, completion) plus the agents' heartbeats.`,
    `- Submits overlap (each is its own transaction on a pool of 20 connections, started on schedule without waiting for the previous one), as requests from many clients would. The scheduler, the agents and the submitter share one Node process and the 2 cores with Postgres.`,
  ].join("\n");
}
