// `npm run chaos [-- --short] [--runner-kills 100 --agent-kills 30 ...]`: the fault campaign of
// issue 13. Starts the real stack on this machine (stack.ts), offers a steady load of small real
// documents (load.ts), injects each fault in its own phase while the load runs (faults-*.ts), then
// drains, reconciles every submitted job against the database (reconcile.ts) and writes the report
// (report.ts; docs/reliability.md for the full campaign). Exits 1 when a job was lost or completed
// twice, an end-of-run or fault check failed, or a fault could not be injected at all. A file left
// by a replica killed mid-upload is removed by retention's orphan sweep, run here with no grace once
// the replicas are stopped; after it the upload directory must hold only files that jobs name, and
// a leftover no replica kill explains (leftovers.ts) fails the run even though it was swept.
import { readdirSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { REPO_ROOT } from "../fleet/config.ts";
import { makeDocuments, makeLongDocument } from "./documents.ts";
import { explainLeftovers } from "./leftovers.ts";
import { sleep, waitFor, type TFaultContext } from "./fault-support.ts";
import { cutoff, diskFull, slowClient } from "./faults-edge.ts";
import { agentKill, controlPlaneKill, hungRunner, postgresFault, runnerKill, schedulerKill, setJobTimeout } from "./faults-process.ts";
import { SteadyLoad, type TSubmission } from "./load.ts";
import { parseChaosArgs, type TFault } from "./options.ts";
import { reconcile, type TInjection, type TJobRow, type TPhase } from "./reconcile.ts";
import { renderReport } from "./report.ts";
import { ensureWebBuild, freshWorkDir, gitHead, runWithStack } from "./run.ts";
import { sweepOrphans } from "../../apps/web/src/server/retention/run.ts";
import { FsUploadStore } from "../../apps/web/src/server/jobs/storage-fs.ts";
import { ChaosStack, LEASE_MS, NODE_OFFLINE_MS, UPLOAD_TIMEOUT_MS } from "./stack.ts";

const ORDER: TFault[] = ["slow-client", "disk-full", "runner-kill", "hung-runner", "agent-kill", "cutoff", "scheduler", "control-plane", "postgres"];
/** The per-job timeout while a runner hangs; the fleet default (300 s) is restored after. */
const HUNG_JOB_TIMEOUT_S = 20;
const AGENTS = 2;

const t0 = Date.now();
const log = (msg: string) => console.log(`[chaos +${((Date.now() - t0) / 1000).toFixed(0)}s] ${msg}`);

const opts = parseChaosArgs(process.argv.slice(2), { workDir: path.join(os.tmpdir(), "headroom-chaos"), machine: `${os.availableParallelism()}-core ${os.hostname()}` });
const tree = path.resolve(opts.tree ?? REPO_ROOT);

/** When the short per-job timeout of the hung-runner phase was in force on every agent. */
let timeoutSince = new Date();

async function inject(ctx: TFaultContext, fault: TFault, index: number): Promise<TInjection> {
  switch (fault) {
    case "runner-kill":
      return runnerKill(ctx, index);
    case "agent-kill":
      return agentKill(ctx, index);
    case "hung-runner":
      return hungRunner(ctx, index, HUNG_JOB_TIMEOUT_S, timeoutSince);
    case "scheduler":
      return schedulerKill(ctx, index);
    case "control-plane":
      return controlPlaneKill(ctx, index);
    case "postgres":
      return postgresFault(ctx, index);
    case "cutoff":
      return cutoff(ctx, index);
    case "disk-full":
      return diskFull(ctx, index);
    case "slow-client":
      return slowClient(ctx, index);
  }
}

async function runPhase(ctx: TFaultContext, fault: TFault, count: number): Promise<TPhase> {
  const phase: TPhase = { fault, startedAt: Date.now(), endedAt: 0, injections: [] };
  log(`phase ${fault}: ${count} injection(s)`);
  let restoreTimeout: number | null = null;
  if (fault === "hung-runner") {
    restoreTimeout = await setJobTimeout(ctx, HUNG_JOB_TIMEOUT_S);
    // An agent reads the timeout before it reports the job started (fetch, admission, start): a job
    // reported started in the first moments after the change may still carry the old one.
    timeoutSince = new Date(Date.now() + 5_000);
  }
  try {
    // A try that did not inject (the runner's job finished first, the long job did not reach the
    // isolated agent in time on a loaded machine) is tried again, within reason.
    const maxTries = ["runner-kill", "hung-runner", "agent-kill", "cutoff"].includes(fault) ? Math.ceil(count * 1.5) + 2 : count;
    while (phase.injections.filter((i) => i.injected).length < count && phase.injections.length < maxTries) {
      const inj = await inject(ctx, fault, phase.injections.length).catch((err: Error) => ({
        fault, index: phase.injections.length, variant: "error", at: Date.now(), injected: false, note: `the injector failed: ${err.message.split("\n")[0]}`, victimJobId: null, failedChecks: [],
      }));
      phase.injections.push(inj);
      log(`  ${fault} #${inj.index + 1}: ${inj.injected ? "injected" : "NOT injected"}; ${inj.note}${inj.failedChecks.length ? `; CHECKS FAILED: ${inj.failedChecks.join("; ")}` : ""}`);
      await sleep(1_000);
    }
  } finally {
    if (restoreTimeout !== null) await setJobTimeout(ctx, restoreTimeout);
    if (fault === "scheduler" && ctx.stack.schedulerRunning(1)) ctx.stack.killScheduler(1);
  }
  phase.endedAt = Date.now();
  return phase;
}

async function readJobs(s: ChaosStack): Promise<TJobRow[]> {
  const [jobs, completed] = await Promise.all([
    s.prisma.job.findMany({ select: { id: true, idempotencyKey: true, status: true, errorCode: true, createdAt: true, startedAt: true, finishedAt: true, storageKey: true } }),
    s.prisma.jobEvent.groupBy({ by: ["jobId"], where: { type: "completed" }, _count: { _all: true } }),
  ]);
  const n = new Map(completed.map((c) => [c.jobId, c._count._all]));
  return jobs.map((j) => ({ ...j, createdAt: j.createdAt.getTime(), startedAt: j.startedAt?.getTime() ?? null, finishedAt: j.finishedAt?.getTime() ?? null, completedEvents: n.get(j.id) ?? 0 }));
}

async function main(hold: (s: ChaosStack) => ChaosStack): Promise<number> {
  const startedAt = new Date();
  ensureWebBuild(tree, log);
  const work = freshWorkDir(opts.workDir);
  const { docs, source } = await makeDocuments(REPO_ROOT);
  const longDoc = await makeLongDocument(REPO_ROOT);
  const s = hold(new ChaosStack(tree, work, log));
  await s.start(AGENTS);
  const submissions: TSubmission[] = [];
  const load = new SteadyLoad({
    baseUrl: s.baseUrl,
    apiKey: s.credentials.apiKey,
    docs,
    ratePerS: opts.ratePerS,
    maxQueued: opts.maxQueued,
    queued: () => s.prisma.job.count({ where: { status: { in: ["QUEUED", "PLACED"] } } }),
  });
  const ctx: TFaultContext = { stack: s, log, docs, longDoc, record: (x) => submissions.push(x), hit: new Set() };
  load.start();
  const warm = await waitFor(async () => ((await s.prisma.job.count({ where: { status: "SUCCEEDED" } })) >= 2 ? true : null), 180_000);
  if (!warm) throw new Error(`no job succeeded within 180 s of the start (logs in ${s.logs})`);
  log("load running; warm");

  const phases: TPhase[] = [];
  for (const fault of ORDER) if (opts.counts[fault] > 0) phases.push(await runPhase(ctx, fault, opts.counts[fault]));

  log("faults done; stopping the load and draining");
  await load.stop();
  submissions.push(...load.submissions);
  const accepted = submissions.filter((x) => x.jobId).map((x) => x.jobId!);
  const drained = await waitFor(async () => {
    const open = await s.prisma.job.count({ where: { id: { in: accepted }, status: { in: ["QUEUED", "PLACED", "RUNNING"] } } });
    return open === 0 ? true : null;
  }, opts.drainS * 1000, 1_000);
  log(drained ? "drained" : `not drained after ${opts.drainS} s: what is left counts as lost`);

  const jobs = await readJobs(s);
  // What the run left, classified before the sweep removes it (leftovers.ts).
  const before = reconcile(phases, submissions, jobs, readdirSync(s.uploadDir));
  const leftoverNames = [...new Set([...before.filesWithoutJob, ...before.tempFilesLeft])];
  const replicaKills = phases.filter((p) => p.fault === "control-plane").flatMap((p) => p.injections.filter((i) => i.injected).map((i) => i.at));
  const leftovers = explainLeftovers(leftoverNames.map((name) => ({ name, mtimeMs: statSync(path.join(s.uploadDir, name)).mtimeMs })), replicaKills);
  // No replica is writing once they are all stopped, so no grace is needed: every file no job names
  // is an orphan. The replicas' own retention passes use the same sweep with a 15-minute grace.
  for (let i = 0; i < s.webPorts.length; i++) s.killWeb(i);
  const uploads = new FsUploadStore(s.uploadDir);
  const swept = (await sweepOrphans(s.prisma, uploads, new Date())) ?? [];
  const tempSwept = await uploads.sweepStaleTemp(Date.now(), 0);
  log(`orphan sweep after stopping the replicas: ${swept.length} file(s) without a job and ${tempSwept} temp file(s) removed`);
  const r = reconcile(phases, submissions, jobs, readdirSync(s.uploadDir));
  writeFileSync(path.join(work, "chaos-result.json"), JSON.stringify({ opts, phases, submissions, r }, null, 1));
  const md = renderReport({
    machine: opts.machine,
    command: `npm run chaos -- ${process.argv.slice(2).join(" ")}`.trim().replace(/ --$/, ""),
    startedAt,
    durationS: (Date.now() - startedAt.getTime()) / 1000,
    setup: [
      `Embedded Postgres; two control-plane replicas (\`next start\`, production build) behind a TCP balancer that skips a replica refusing connections, and their agent ports (\`HEADROOM_AGENT_PORT\`) behind another, which the agents talk to; one scheduler (two in the scheduler phase); ${AGENTS} CPU agents (\`HEADROOM_OCR_THREADS=1\`), the last one in its own network namespace${s.netnsNote ? ` (not here: ${s.netnsNote})` : ""}.`,
      `Lease ${LEASE_MS / 1000} s, node offline after ${NODE_OFFLINE_MS / 1000} s, upload time limit ${UPLOAD_TIMEOUT_MS / 1000} s, uploads on a 256 MiB tmpfs, up to 3 attempts per job; per-job timeout ${HUNG_JOB_TIMEOUT_S} s during the hung-runner phase (300 s otherwise).`,
      `Load: ${opts.ratePerS} uploads/s while fewer than ${opts.maxQueued} jobs wait, each under its own idempotency key and retried with it through outages; documents: ${docs.length} (${source}, ${Math.min(...docs.map((d) => d.bytes.length))}–${Math.max(...docs.map((d) => d.bytes.length))} bytes; ${docs.filter((d) => d.mimeType === "application/pdf").length} of them two-page PDFs); the cut-off fault's job: an eight-band PDF.`,
      `Code: ${tree === REPO_ROOT ? "this checkout" : `the checkout at ${tree}`}${gitHead(tree)}.`,
    ],
    phases,
    r,
    leftoversByReplicaKill: leftovers.byReplicaKill.map((f) => f.name),
  });
  if (opts.reportPath) {
    writeFileSync(path.resolve(REPO_ROOT, opts.reportPath), md);
    log(`wrote ${opts.reportPath}`);
  }
  console.log(md);
  const failures = [
    ...(r.totals.lost.length ? [`${r.totals.lost.length} lost`] : []),
    ...(r.totals.completedTwice.length ? [`${r.totals.completedTwice.length} completed twice`] : []),
    ...r.phases.flatMap((t) => t.checkFailures.map((c) => `${t.fault} #${c.index + 1}: ${c.checks.join("; ")}`)),
    ...r.phases.filter((t) => t.tried > 0 && t.injected === 0).map((t) => `${t.fault} was never injected`),
    ...(leftovers.unexplained.length ? [`${leftovers.unexplained.length} files without a job or half-written, not explained by a replica kill: ${leftovers.unexplained.map((f) => f.name).join(", ")}`] : []),
    ...(r.filesWithoutJob.length || r.tempFilesLeft.length ? [`${r.filesWithoutJob.length + r.tempFilesLeft.length} files without a job or half-written left after the orphan sweep`] : []),
    ...(r.jobsWithoutFile.length ? [`${r.jobsWithoutFile.length} jobs without a file`] : []),
  ];
  if (leftovers.byReplicaKill.length) log(`removed by the orphan sweep: ${leftovers.byReplicaKill.length} file(s) written just before a replica's kill -9 and left without a job (${leftovers.byReplicaKill.map((f) => f.name).join(", ")})`);
  if (failures.length) log(`FAILED: ${failures.join(" | ")}`);
  else log("passed: 0 lost, 0 completed twice, every check held");
  return failures.length ? 1 : 0;
}

runWithStack("chaos", log, main);
