// Dispatch and the control plane's load over HTTP (issue 14): N SIMULATED agents speak the real
// agent protocol to the real control plane (production web build, scheduler process, embedded
// Postgres), while a submitter offers jobs through the real `POST /api/v1/jobs`. Phases: the fleet
// idle (heartbeats and samples only), then each offered rate. Per phase: offered and achieved rates,
// submit → claim latency as the agent saw it, API latency by route, Postgres CPU, WAL and commits
// per second, and the CPU of every process. Orchestration lives here; the agents and the submitter
// run in worker processes (http-agents/worker.ts) forked from this same file.
//
//   npm run bench:dispatch -- [--agents 1000] [--rates 10,100,1000] [--phase-s 30] [--idle-s 30]
//                             [--web 1] [--work-ms 250] [--start-delay-ms 1000] [--agent-port] [--api-port] [--pg-statements] [--upload-check decode|header] [--out dir] [--write]
//   bench pack: node app/bench-dispatch.mjs --root <unpacked pack> ... (scripts/bench-host/run-dispatch.sh)
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";

if (process.argv.includes("--worker")) {
  const { workerMain } = await import("./http-agents/worker.ts");
  await workerMain();
} else {
  await orchestrate();
}

async function orchestrate(): Promise<void> {
  const { DispatchStack } = await import("./http-agents/stack.ts");
  const { WorkerSet } = await import("./http-agents/workers.ts");
  const { hostBusyS, processCpuS } = await import("./process-cpu.ts");
  const { mergeRecords } = await import("./http-agents/recorder.ts");
  const { renderReport } = await import("./http-agents/report.ts");
  const { DEFAULT_START_REPORT_DELAY_MS } = await import("@headroom/protocol");
  const { pgLoadSince, pgMark } = await import("./pg-load.ts");
  const { PG_STATEMENTS_SETTINGS, enableStatements, resetStatements, statementTotals, topStatements } = await import("./http-agents/pg-statements.ts");
  type TPhaseResult = import("./http-agents/report.ts").TPhaseResult;
  type TWorkerReply = import("./http-agents/worker.ts").TWorkerReply;
  type TTaken = import("./http-agents/worker.ts").TTaken;
  type TRecords = import("./http-agents/recorder.ts").TRecords;

  const { values: a } = parseArgs({
    args: process.argv.slice(2),
    options: {
      agents: { type: "string", default: "1000" },
      rates: { type: "string", default: "10,100,1000" },
      "phase-s": { type: "string", default: "20" },
      "idle-s": { type: "string", default: "20" },
      "drain-s": { type: "string", default: "20" },
      "work-ms": { type: "string", default: "250" },
      // When agents report a job's start (the agent's HEADROOM_START_REPORT_DELAY_MS); 0 = at once, as agents before e5c293e did.
      "start-delay-ms": { type: "string", default: String(DEFAULT_START_REPORT_DELAY_MS) },
      web: { type: "string", default: "1" },
      "agent-procs": { type: "string" },
      "max-outstanding": { type: "string", default: "5000" },
      root: { type: "string" },
      "web-dir": { type: "string", default: "web" },
      work: { type: "string" },
      out: { type: "string" },
      write: { type: "boolean", default: false },
      // A CPU profile of each web replica (node --cpu-prof), written into this folder when it stops.
      "profile-web": { type: "string" },
      // Agents talk to each replica's agent port (HEADROOM_AGENT_PORT) instead of Next's.
      "agent-port": { type: "boolean", default: false },
      // The submitter uploads to each replica's API port (HEADROOM_API_PORT) instead of Next's.
      "api-port": { type: "boolean", default: false },
      // Postgres's time by statement in each phase (pg_stat_statements), in the report.
      "pg-statements": { type: "boolean", default: false },
      // How far the replicas check each upload (HEADROOM_UPLOAD_CHECK): decode, the default, or header.
      "upload-check": { type: "string", default: "decode" },
    },
  });
  const t0 = Date.now();
  const log = (msg: string) => console.log(`[bench:dispatch +${((Date.now() - t0) / 1000).toFixed(1)}s] ${msg}`);
  const agents = Number(a.agents);
  const rates = a.rates!.split(",").filter(Boolean).map(Number);
  const phaseS = Number(a["phase-s"]);
  const idleS = Number(a["idle-s"]);
  const drainS = Number(a["drain-s"]);
  const workMs = Number(a["work-ms"]);
  const startDelayMs = Number(a["start-delay-ms"]);
  const webReplicas = Number(a.web);
  const agentProcs = Number(a["agent-procs"] ?? Math.max(1, Math.ceil(agents / 250)));
  const here = path.dirname(new URL(import.meta.url).pathname);
  const tree = path.resolve(here, "../../..");
  const layout = a.root ? { kind: "pack" as const, root: path.resolve(a.root), webDir: a["web-dir"]! } : { kind: "repo" as const, tree };
  const outDir = path.resolve(a.out ?? process.env.OUT ?? path.join(process.cwd(), "bench-dispatch-out"));
  const workDir = a.work ? path.resolve(a.work) : mkdtempSync(path.join(os.tmpdir(), "bench-dispatch-"));
  mkdirSync(outDir, { recursive: true });
  const command = `${layout.kind === "repo" ? "npm run bench:dispatch --" : "bash scripts/bench-host/run-dispatch.sh"} ${process.argv.slice(2).filter((x, i, all) => !["--root", "--work", "--out"].includes(x) && !["--root", "--work", "--out"].includes(all[i - 1] ?? "")).join(" ")}`.trim();

  const stack = new DispatchStack({
    layout,
    workDir,
    webReplicas,
    // One API key offers every job here: its per-minute upload limit (3,000 by default, there to
    // stop one runaway client) is lifted so the offered rate is what reaches the queue.
    webEnv: { HEADROOM_UPLOADS_PER_MINUTE: "100000000", HEADROOM_UPLOAD_CHECK: a["upload-check"]! },
    webNodeArgs: a["profile-web"] ? ["--cpu-prof", `--cpu-prof-dir=${path.resolve(a["profile-web"])}`] : [],
    agentPort: a["agent-port"],
    apiPort: a["api-port"],
    pgSettings: a["pg-statements"] ? PG_STATEMENTS_SETTINGS : {},
    log,
  });
  const workers = new WorkerSet();

  let stopping = false;
  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    await workers.stopAll(8_000);
    await stack.stop().catch((e: Error) => log(`teardown: ${e.message}`));
    try {
      execFileSync("tar", ["-czf", path.join(outDir, "logs.tar.gz"), "-C", workDir, "logs"]);
    } catch {
      // no logs
    }
    process.exit(code);
  };
  process.on("SIGINT", () => void shutdown(130));
  process.on("SIGTERM", () => void shutdown(143));

  try {
    const load0 = os.loadavg();
    log(`work dir ${workDir}; results to ${outDir}`);
    await stack.start();
    if (a["pg-statements"]) await enableStatements(stack.prisma);
    const pgVersion = (await stack.prisma.$queryRaw<{ v: string }[]>`SELECT current_setting('server_version') AS v`)[0]!.v;
    const pgSettings = (await stack.prisma.$queryRaw<{ v: string }[]>`SELECT current_setting('shared_buffers') || ', synchronous_commit ' || current_setting('synchronous_commit') || ', fsync ' || current_setting('fsync') AS v`)[0]!.v;
    const agentWorkers = Array.from({ length: agentProcs }, () => workers.spawn());
    const submitter = workers.spawn();
    // Agents in contiguous index ranges per worker; each agent's replica is its index modulo replicas.
    const per = Math.ceil(agents / agentProcs);
    const ready = await Promise.all(
      agentWorkers.map((w, k) => workers.ask(w, { cmd: "agents", bases: stack.agentBases, enrollToken: stack.credentials.enrollToken, first: k * per, count: Math.max(0, Math.min(per, agents - k * per)), workMs, startDelayMs })),
    );
    const registered = ready.reduce((n, r) => n + (r.ev === "ready" ? r.registered : 0), 0);
    const failed = ready.flatMap((r) => (r.ev === "ready" ? r.failed : []));
    log(`${registered}/${agents} SIMULATED agents registered in ${agentProcs} process(es)${failed.length ? `; failures: ${failed.slice(0, 5).join("; ")}` : ""}`);
    if (registered < agents) throw new Error(`${agents - registered} agents failed to register`);

    const takeAll = async (): Promise<TTaken[]> => (await Promise.all(agentWorkers.map((w) => workers.ask(w, { cmd: "take" })))).map((r) => (r as Extract<TWorkerReply, { ev: "taken" }>).taken);
    // The submitter is charged too: on one host it takes cores from the stack it measures.
    const pids = () => [...stack.pids(), ...(submitter.pid !== undefined && submitter.exitCode === null ? [{ name: "submitter", pid: submitter.pid }] : [])];
    const cpuMark = () => new Map(pids().map((p) => [p.name, processCpuS(p.pid)]));
    // Transactions committed, connections opened (a backend forked, and its statements prepared again)
    // and WAL flushes (a durable commit waits for one; pg_stat_io, Postgres 16 and later) so far.
    const dbStats = async () => {
      const [r] = await stack.prisma.$queryRaw<{ commits: bigint; sessions: bigint; flushes: bigint | null }[]>`
        SELECT xact_commit AS commits, sessions, (SELECT sum(fsyncs) FROM pg_stat_io WHERE object = 'wal')::bigint AS flushes
        FROM pg_stat_database WHERE datname = current_database()`;
      return { commits: Number(r!.commits), sessions: Number(r!.sessions), flushes: Number(r!.flushes ?? 0) };
    };

    type TMark = { pg: Awaited<ReturnType<typeof pgMark>>; pgCpuS: number | null; stats: { commits: number; sessions: number; flushes: number }; cpu: Map<string, number | null>; hostBusyS: number | null; at: number };
    const mark = async (): Promise<TMark> => {
      await takeAll(); // discards what the workers recorded before the window
      if (a["pg-statements"]) await resetStatements(stack.prisma);
      return { pg: await pgMark(stack.prisma), pgCpuS: stack.postgresCpuS(), stats: await dbStats(), cpu: cpuMark(), hostBusyS: hostBusyS(), at: performance.now() };
    };
    const measure = async (m: TMark) => {
      const wallS = (performance.now() - m.at) / 1_000;
      const pg = await pgLoadSince(stack.prisma, m.pg);
      const statements = a["pg-statements"] ? await topStatements(stack.prisma) : undefined;
      const statementsAll = a["pg-statements"] ? await statementTotals(stack.prisma) : undefined;
      const statsNow = await dbStats();
      const taken = await takeAll();
      const cpu: Record<string, number> = {};
      for (const [name, before] of m.cpu) {
        const pid = pids().find((p) => p.name === name)?.pid;
        const now = pid === undefined ? null : processCpuS(pid);
        if (before !== null && now !== null) cpu[name] = (now - before) / wallS;
      }
      cpu.simulator = taken.reduce((s, t) => s + t.cpuMs, 0) / 1_000 / wallS;
      const hostNow = hostBusyS();
      if (hostNow !== null && m.hostBusyS !== null) cpu.host = (hostNow - m.hostBusyS) / wallS;
      // Postgres CPU from this stack's own server processes (pg-load.ts counts every "postgres" on the machine).
      const pgCpuNow = stack.postgresCpuS();
      const pgCpuS = pgCpuNow !== null && m.pgCpuS !== null ? pgCpuNow - m.pgCpuS : pg.cpuS;
      return { wallS, pg: { cpuS: pgCpuS, walBytes: pg.walBytes, commits: statsNow.commits - m.stats.commits, sessions: statsNow.sessions - m.stats.sessions, walFlushes: statsNow.flushes - m.stats.flushes, wallS }, cpu, taken, loopDelay: Math.max(...taken.map((t) => t.loopDelayP99Ms)), statements, statementsAll };
    };

    const phases: TPhaseResult[] = [];
    const claimsOf = (taken: TTaken[]) => taken.flatMap((t) => t.claims);

    // Offers `rate` jobs/s for `seconds`, then waits for their claims (the drain).
    const offerPhase = async (name: string, rate: number, seconds: number, record: boolean) => {
      log(`${name}: offering ${rate} jobs/s for ${seconds} s`);
      const m = await mark();
      const offered = (await workers.ask(submitter, { cmd: "offer", bases: stack.uploadBases, apiKey: stack.credentials.apiKey, ratePerS: rate, durationS: seconds, maxOutstanding: Number(a["max-outstanding"]) })) as Extract<TWorkerReply, { ev: "offered" }>;
      const got = await measure(m);
      const claimed = new Map<string, number>(claimsOf(got.taken));
      const ids = new Set(offered.result.jobs.map((j) => j.id));
      const drainT0 = Date.now();
      const drainRecords: TRecords[] = [];
      while ([...ids].some((id) => !claimed.has(id)) && Date.now() - drainT0 < drainS * 1_000) {
        await new Promise((r) => setTimeout(r, 500));
        const t = await takeAll();
        for (const [id, at] of claimsOf(t)) claimed.set(id, at);
        drainRecords.push(...t.map((x) => x.records));
      }
      const missing = [...ids].filter((id) => !claimed.has(id)).length;
      log(`${name}: ${offered.result.jobs.length} accepted of ${offered.result.scheduled} offered (${offered.result.failed} failed, ${offered.result.notSent} not sent) in ${offered.result.wallS.toFixed(1)} s; ${ids.size - missing} claimed${missing ? `, ${missing} not claimed after ${drainS} s` : ""}`);
      if (!record) return;
      const jobs = offered.result.jobs;
      // Each job's own timestamps: its events (Postgres's clock: the start of the transaction that
      // wrote each) and placedAt, the placing tick's start (the scheduler's clock; one machine). The
      // placed event's time is its write transaction's start, which may be the tick's own, so it
      // says little; the tick's start and the claim (one statement) bracket the scheduler's share.
      const events = jobs.length
        ? await stack.prisma.$queryRaw<{ created: Date | null; tick: Date | null; placed: Date | null; claimed: Date | null }[]>`
            SELECT min(e."createdAt") FILTER (WHERE e.type = 'created') AS created,
                   min(j."placedAt") AS tick,
                   min(e."createdAt") FILTER (WHERE e.type = 'placed') AS placed,
                   min(e."createdAt") FILTER (WHERE e.type = 'claimed') AS claimed
            FROM "JobEvent" e JOIN "Job" j ON j.id = e."jobId"
            WHERE e."jobId" = ANY(${jobs.map((j) => j.id)}::uuid[]) GROUP BY e."jobId"`
        : [];
      // Ticks that placed this phase's jobs: one placedAt each.
      const tickStarts = [...new Set(events.flatMap((e) => (e.tick ? [e.tick.getTime()] : [])))].sort((x, y) => x - y);
      const succeeded = jobs.length ? Number((await stack.prisma.$queryRaw<{ n: bigint }[]>`SELECT count(*) AS n FROM "Job" WHERE id = ANY(${jobs.map((j) => j.id)}::uuid[]) AND status = 'SUCCEEDED'`)[0]!.n) : 0;
      const diff = (x: Date | null, y: Date | null) => (x && y ? [y.getTime() - x.getTime()] : []);
      const records = mergeRecords([...got.taken.map((t) => t.records), offered.records]);
      // Errors seen during the drain count; their latencies are outside the window.
      for (const r of drainRecords) for (const [k, n] of Object.entries(r.errors)) records.errors[k] = (records.errors[k] ?? 0) + n;
      phases.push({
        name,
        offeredPerS: rate,
        windowS: got.wallS,
        scheduled: offered.result.scheduled,
        accepted: jobs.length,
        failedSubmits: offered.result.failed,
        notSent: offered.result.notSent,
        claimed: jobs.filter((j) => claimed.has(j.id)).length,
        succeeded,
        submitToClaimMs: jobs.flatMap((j) => (claimed.has(j.id) ? [claimed.get(j.id)! - j.sentAtMs] : [])),
        answerToClaimMs: jobs.flatMap((j) => (claimed.has(j.id) ? [claimed.get(j.id)! - j.answeredAtMs] : [])),
        createdToPlacedMs: events.flatMap((e) => diff(e.created, e.placed)),
        createdToTickMs: events.flatMap((e) => diff(e.created, e.tick)),
        tickToClaimedMs: events.flatMap((e) => diff(e.tick, e.claimed)),
        ticks: tickStarts.length,
        tickGapMs: tickStarts.slice(1).map((t, i) => t - tickStarts[i]!),
        placedToClaimedMs: events.flatMap((e) => diff(e.placed, e.claimed)),
        records,
        pg: got.pg,
        cpu: got.cpu,
        simLoopDelayP99Ms: got.loopDelay,
        statements: got.statements,
        statementsAll: got.statementsAll,
      });
      const s = phases.at(-1)!;
      const sorted = [...s.submitToClaimMs].sort((x, y) => x - y);
      log(`${name}: submit → claim p50 ${sorted[Math.floor(sorted.length * 0.5)]?.toFixed(1)} ms, p99 ${sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))]?.toFixed(1)} ms; Postgres ${s.pg.cpuS === null ? "?" : (s.pg.cpuS / s.pg.wallS).toFixed(2)} cores, WAL ${(s.pg.walBytes / s.pg.wallS / 2 ** 20).toFixed(2)} MiB/s`);
    };

    // Warm-up: the routes' first calls (module loading, connection pools), not measured.
    await offerPhase("warm-up", Math.min(5, rates[0] ?? 5), 4, false);

    log(`idle: ${agents} agents heartbeating and sampling for ${idleS} s`);
    const mi = await mark();
    await new Promise((r) => setTimeout(r, idleS * 1_000));
    const idle = await measure(mi);
    phases.push({
      name: `${agents} agents idle`,
      offeredPerS: 0,
      windowS: idle.wallS,
      scheduled: 0,
      accepted: 0,
      failedSubmits: 0,
      notSent: 0,
      claimed: 0,
      succeeded: 0,
      submitToClaimMs: [],
      answerToClaimMs: [],
      createdToPlacedMs: [],
      createdToTickMs: [],
      tickToClaimedMs: [],
      ticks: 0,
      tickGapMs: [],
      placedToClaimedMs: [],
      records: mergeRecords(idle.taken.map((t) => t.records)),
      pg: idle.pg,
      cpu: idle.cpu,
      simLoopDelayP99Ms: idle.loopDelay,
      statements: idle.statements,
      statementsAll: idle.statementsAll,
    });
    log(`idle: Postgres ${idle.pg.cpuS === null ? "?" : (idle.pg.cpuS / idle.wallS).toFixed(2)} cores, WAL ${(idle.pg.walBytes / idle.wallS / 2 ** 20).toFixed(2)} MiB/s`);

    for (const rate of rates) {
      const dead = stack.dead();
      if (dead.length) throw new Error(`stack process(es) exited: ${dead.join(", ")}`);
      await offerPhase(`${agents} agents, ${rate} jobs/s`, rate, phaseS, true);
      await new Promise((r) => setTimeout(r, 3_000)); // the last completions land before the next window
      writeResults();
    }

    function writeResults(): void {
      const cpus = os.cpus();
      const load1 = os.loadavg();
      let commit = "";
      const marker = layout.kind === "pack" ? path.join(layout.root, "app/COMMIT-web") : "";
      if (layout.kind === "pack") {
        if (existsSync(marker)) commit = ` (${readFileSync(marker, "utf8").trim().split("\n").join(", ")}; this run used ${layout.webDir}/)`;
      } else {
        try {
          commit = ` (commit ${execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: tree, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim()})`;
        } catch {
          // not a git checkout
        }
      }
      const md = renderReport(
        {
          command,
          machine: [
            `${cpus[0]?.model ?? "unknown CPU"}, ${cpus.length} logical cores`,
            `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB memory`,
            `${os.type()} ${os.release()} ${os.arch()}`,
            `Node ${process.version}`,
            `Postgres ${pgVersion}`,
            `load average at start ${load0.map((x) => x.toFixed(1)).join(" / ")}, now ${load1.map((x) => x.toFixed(1)).join(" / ")}`,
          ],
          agents,
          agentProcs,
          webReplicas,
          workMs,
          startDelayMs,
          startedAt: new Date(t0).toISOString(),
          elapsedS: (Date.now() - t0) / 1_000,
          commit,
          notes: [
            `The web replicas run with HEADROOM_UPLOADS_PER_MINUTE lifted (one API key offers every job); everything else at the shipped defaults (uploads stored in Postgres, lease 30 s, LOG_LEVEL info). The limit is still checked: every upload takes a token from that key's bucket, one row in Postgres (auth/rate-limit.ts), and counts the queued jobs (HEADROOM_MAX_QUEUED_JOBS, 10,000: past it uploads get 503 QUEUE_FULL, counted as errors).`,
            `Postgres: the embedded server with its default settings${stack.maxConnections() > 100 ? `, but max_connections ${stack.maxConnections()} (each replica keeps a pool of 10)` : ""}; shared_buffers ${pgSettings}.`,
            a["agent-port"]
              ? "Agents talk to each replica's agent port (HEADROOM_AGENT_PORT: the agent routes on a plain node:http listener beside Next)."
              : "Agents talk to Next's port.",
            a["api-port"]
              ? "The submitter uploads to each replica's API port (HEADROOM_API_PORT: the upload's handler on a plain node:http listener beside Next)."
              : "The submitter uploads through Next's port.",
            `Uploads are checked with HEADROOM_UPLOAD_CHECK=${a["upload-check"]}${a["upload-check"] === "header" ? " (header, size and bomb scans; the decode left to the node)" : " (each image decoded whole, the default)"}.`,
            ...(webReplicas > 1 ? [`Agent i talks to replica i mod ${webReplicas} (as a balancer with connection affinity would); the submitter's uploads go round robin.`] : []),
          ],
        },
        phases,
      );
      writeFileSync(path.join(outDir, "bench-dispatch.md"), md);
      writeFileSync(path.join(outDir, "bench-dispatch.json"), JSON.stringify({ phases: phases.map((p) => ({ ...p, records: { errors: p.records.errors, counts: Object.fromEntries(Object.entries(p.records.ms).map(([k, v]) => [k, v.length])) } })) }, null, 1));
      if (a.write && layout.kind === "repo") writeFileSync(path.join(tree, "docs/bench-dispatch.md"), md);
    }
    writeResults();
    console.log(readFileSync(path.join(outDir, "bench-dispatch.md"), "utf8"));
    log(`wrote ${path.join(outDir, "bench-dispatch.md")}${a.write && layout.kind === "repo" ? " and docs/bench-dispatch.md" : ""}`);
    await shutdown(0);
  } catch (err) {
    log(`failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    await shutdown(1);
  }
}
