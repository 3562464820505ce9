// `npm run soak [-- --minutes 60]`: the soak of issue 13, part 4. Starts the real stack on this
// machine with CPU agents (../chaos/stack.ts), offers the chaos campaign's steady load of small real
// documents (../chaos/load.ts, ../chaos/documents.ts) and injects nothing; every --sample-s it reads
// the RSS of each process tree it started from /proc (rss.ts), pg_database_size and the jobs done.
// At the end it fits RSS against jobs after warm-up (analysis.ts) and writes docs/soak.md with the
// plot (chart.ts) and the series. Exits 1 when a process grew past the goal, or, whatever the length,
// when a process it started died, an upload was never accepted, or a job failed or stayed open after
// the drain (checks.ts). --short (CI) reports growth without judging it: a few minutes is too few
// jobs for a slope per 1,000.
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { makeDocuments } from "../chaos/documents.ts";
import { SteadyLoad } from "../chaos/load.ts";
import { ensureWebBuild, freshWorkDir, gitHead, runWithStack } from "../chaos/run.ts";
import { ChaosStack, LEASE_MS, NODE_OFFLINE_MS } from "../chaos/stack.ts";
import { REPO_ROOT } from "../fleet/config.ts";
import { analyseSoak, DEFAULT_ANALYSIS, type TSoakSample } from "./analysis.ts";
import { renderSoakChartPng } from "./chart.ts";
import { soakFailures } from "./checks.ts";
import { parseSoakArgs } from "./options.ts";
import { renderSoakReport } from "./report.ts";
import { readProcRss, rssByRole } from "./rss.ts";

const t0 = Date.now();
const log = (msg: string) => console.log(`[soak +${((Date.now() - t0) / 1000).toFixed(0)}s] ${msg}`);
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

const opts = parseSoakArgs(process.argv.slice(2), { workDir: path.join(os.tmpdir(), "headroom-soak"), machine: `${os.availableParallelism()}-core shared dev machine (${os.hostname()})` });
const tree = path.resolve(opts.tree ?? REPO_ROOT);

async function sample(s: ChaosStack): Promise<TSoakSample> {
  const [jobsDone, dbBytes] = await Promise.all([
    s.prisma.job.count({ where: { status: { in: ["SUCCEEDED", "FAILED"] } } }),
    s.prisma.$queryRaw<{ bytes: bigint }[]>`SELECT pg_database_size(current_database()) AS bytes`.then((r) => Number(r[0]?.bytes ?? 0)).catch(() => null),
  ]);
  return { atMs: Date.now(), jobsDone, rssMiB: rssByRole(readProcRss(), s.childPids()), dbBytes, load1: os.loadavg()[0]! };
}

async function main(hold: (s: ChaosStack) => ChaosStack): Promise<number> {
  const startedAt = new Date();
  ensureWebBuild(tree, log);
  const work = freshWorkDir(opts.workDir);
  const { docs, source } = await makeDocuments(REPO_ROOT);
  const s = hold(new ChaosStack(tree, work, log));
  // No namespace: nothing is cut off here, and a chaos campaign on the same machine uses its names.
  await s.start(opts.agents, { netns: false });
  const load = new SteadyLoad({
    baseUrl: s.baseUrl,
    apiKey: s.credentials.apiKey,
    docs,
    ratePerS: opts.ratePerS,
    maxQueued: opts.maxQueued,
    queued: () => s.prisma.job.count({ where: { status: { in: ["QUEUED", "PLACED"] } } }),
  });
  load.start();
  const warmDeadline = Date.now() + 180_000;
  while ((await s.prisma.job.count({ where: { status: "SUCCEEDED" } })) < 1) {
    if (Date.now() > warmDeadline) throw new Error(`no job succeeded within 180 s of the start (logs in ${s.logs})`);
    await sleep(1_000);
  }
  log(`load running; sampling every ${opts.sampleS} s for ${opts.minutes} min`);

  const pids = () => Object.fromEntries(s.childPids().map((p) => [p.name, p.pid]));
  const processesAtStart = pids();
  const samples: TSoakSample[] = [];
  const loadStart = Date.now();
  const endAt = loadStart + opts.minutes * 60_000;
  const seriesFile = path.join(work, "soak-series.json");
  for (;;) {
    const x = await sample(s);
    samples.push(x);
    // Kept as it grows, so an interrupted run still leaves its series.
    writeFileSync(seriesFile, JSON.stringify(samples));
    const rss = Object.entries(x.rssMiB).map(([k, v]) => `${k} ${v === null ? "-" : v.toFixed(0)}`).join(", ");
    log(`jobs ${x.jobsDone}, db ${x.dbBytes === null ? "-" : (x.dbBytes / 1048576).toFixed(1)} MiB, load ${x.load1.toFixed(1)}; RSS MiB: ${rss}`);
    if (Date.now() >= endAt) break;
    await sleep(Math.min(opts.sampleS * 1000 - (Date.now() - x.atMs), endAt - Date.now()));
  }
  const minutesRun = (Date.now() - loadStart) / 60_000;
  const processesAtEnd = pids();
  log("stopping the load and draining");
  await load.stop();
  const drainDeadline = Date.now() + opts.drainS * 1000;
  while ((await s.prisma.job.count({ where: { status: { in: ["QUEUED", "PLACED", "RUNNING"] } } })) > 0 && Date.now() < drainDeadline) await sleep(1_000);

  const [succeeded, failed, open] = await Promise.all([
    s.prisma.job.count({ where: { status: "SUCCEEDED" } }),
    s.prisma.job.groupBy({ by: ["errorCode"], where: { status: "FAILED" }, _count: { _all: true } }),
    s.prisma.job.count({ where: { status: { in: ["QUEUED", "PLACED", "RUNNING"] } } }),
  ]);
  const analysis = analyseSoak(samples, { ...DEFAULT_ANALYSIS, warmupFraction: opts.warmupFraction });
  for (const t of analysis.trends) log(`${t.name}: mean ${t.meanMiB.toFixed(1)} MiB, ${t.slopeMiBPer1kJobs.toFixed(2)} MiB / 1,000 jobs = ${t.pctPer1kJobs.toFixed(2)} %${opts.short ? "" : ` -> ${t.verdict}`}`);
  log(`${opts.short ? "growth (not judged: a short run)" : `verdict ${analysis.verdict}`} over ${analysis.fittedJobs} jobs after ${analysis.warmupJobs} of warm-up; db ${analysis.dbMiBPer1kJobs?.toFixed(1) ?? "-"} MiB / 1,000 jobs`);
  const failedByCode = Object.fromEntries(failed.map((g) => [g.errorCode ?? "(none)", g._count._all]));
  const gaveUp = load.submissions.filter((x) => x.gaveUp).length;
  const failures = soakFailures({ processesAtStart, processesAtEnd, uploads: load.submissions.length, gaveUp, succeeded, failedByCode, openAfterDrain: open, drainS: opts.drainS });
  if (failures.length) log(`FAILED: ${failures.join(" | ")}`);
  else log(`checks held: ${Object.keys(processesAtStart).length} processes alive throughout, ${load.submissions.length} uploads accepted, ${succeeded} jobs succeeded, none failed or left open`);

  if (opts.reportPath) {
    const reportFile = path.resolve(REPO_ROOT, opts.reportPath);
    const assetDir = path.join(path.dirname(reportFile), path.basename(reportFile, ".md"));
    mkdirSync(assetDir, { recursive: true });
    const rel = (f: string) => path.relative(path.dirname(reportFile), f);
    const plot = path.join(assetDir, "rss.png");
    const series = path.join(assetDir, "series.json");
    writeFileSync(series, JSON.stringify({ machine: opts.machine, sampleS: opts.sampleS, samples }, null, 0) + "\n");
    writeFileSync(plot, await renderSoakChartPng(samples, `Soak, ${minutesRun.toFixed(0)} min on ${opts.machine}`));
    const md = renderSoakReport({
      command: `npm run soak -- ${process.argv.slice(2).join(" ")}`.trim().replace(/ --$/, ""),
      fullCommand: "npm run soak -- --minutes 60",
      machine: opts.machine,
      startedAt,
      minutesAsked: opts.minutes,
      minutesRun,
      setup: [
        `The stack of \`npm run chaos\` (scripts/chaos/stack.ts) with no faults: embedded Postgres; two control-plane replicas (\`next start\`, production build) behind a TCP balancer, the agents talking to their agent ports behind another; one scheduler; ${opts.agents} CPU agents (\`HEADROOM_OCR_THREADS=1\`); lease ${LEASE_MS / 1000} s, node offline after ${NODE_OFFLINE_MS / 1000} s.`,
        `Load: ${opts.ratePerS} upload/s while fewer than ${opts.maxQueued} jobs wait, so the agents stay busy; ${docs.length} documents (${source}, ${Math.min(...docs.map((d) => d.bytes.length))}–${Math.max(...docs.map((d) => d.bytes.length))} bytes; ${docs.filter((d) => d.mimeType === "application/pdf").length} of them two-page PDFs), offered in turn.`,
        `Code: ${tree === path.resolve(REPO_ROOT) ? "this checkout" : "a clean export of the repository"}${gitHead(tree)}.`,
      ],
      samples,
      analysis,
      jobs: { succeeded, failedByCode, open, submitted: load.submissions.length, gaveUp },
      failures,
      growthJudged: !opts.short,
      plotPath: rel(plot),
      seriesPath: rel(series),
    });
    writeFileSync(reportFile, md);
    log(`wrote ${opts.reportPath}, ${rel(plot)} and ${rel(series)}`);
  }
  return failures.length > 0 || (!opts.short && analysis.verdict === "FAIL") ? 1 : 0;
}

runWithStack("soak", log, main);
