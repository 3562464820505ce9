// What an upload costs a web replica through Next's port and through its API port
// (HEADROOM_API_PORT), the same production build and the same process: one replica and Postgres, no
// scheduler and no agents. A submitter in its own process offers `POST /api/v1/jobs` (one tiny PNG, an API
// key) in blocks that take turns between the two ports, and each block counts the replica's CPU and
// Postgres's. Then each port's ceiling: the same replica offered more than it can take, in turn.
//
// The same two layouts as bench:dispatch: from the repository (it builds the web app when stale)
//     npx tsx packages/scheduler/bench/upload-port.ts [--rate 40] [--block-s 10] [--pairs 3] [--flood-s 10] [--out dir]
//   or from a bench pack (pack.sh, pack-web.sh), here or on a bench host:
//     BENCH=bench-upload-port bash scripts/bench-host/run-dispatch.sh [the same arguments]
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";

if (process.argv.includes("--worker")) {
  const { workerMain } = await import("./http-agents/worker.ts");
  await workerMain();
} else {
  await main();
}

async function main(): Promise<void> {
  const { DispatchStack } = await import("./http-agents/stack.ts");
  const { WorkerSet } = await import("./http-agents/workers.ts");
  const { processCpuS } = await import("./process-cpu.ts");
  const { fmt, machine, percentile, table, sleep } = await import("./stats.ts");
  type TWorkerReply = import("./http-agents/worker.ts").TWorkerReply;
  type TWorkerRequest = import("./http-agents/worker.ts").TWorkerRequest;

  const { values: a } = parseArgs({
    options: {
      rate: { type: "string", default: "40" },
      "block-s": { type: "string", default: "10" },
      pairs: { type: "string", default: "3" },
      "flood-rate": { type: "string", default: "2000" },
      "flood-s": { type: "string", default: "10" },
      "flood-outstanding": { type: "string", default: "64" },
      root: { type: "string" },
      "web-dir": { type: "string", default: "web" },
      work: { type: "string" },
      out: { type: "string" },
    },
  });
  const t0 = Date.now();
  const log = (msg: string) => console.log(`[bench:upload-port +${((Date.now() - t0) / 1000).toFixed(1)}s] ${msg}`);
  const here = path.dirname(new URL(import.meta.url).pathname);
  const layout = a.root ? { kind: "pack" as const, root: path.resolve(a.root), webDir: a["web-dir"]! } : { kind: "repo" as const, tree: path.resolve(here, "../../..") };
  const outDir = path.resolve(a.out ?? process.env.OUT ?? path.join(process.cwd(), "bench-upload-port-out"));
  const workDir = a.work ? path.resolve(a.work) : mkdtempSync(path.join(os.tmpdir(), "bench-upload-port-"));
  mkdirSync(outDir, { recursive: true });

  // No agents take the jobs, so the queue grows: its back-pressure limit is lifted with the per-key one.
  const stack = new DispatchStack({ layout, workDir, webReplicas: 1, webEnv: { HEADROOM_UPLOADS_PER_MINUTE: "100000000", HEADROOM_MAX_QUEUED_JOBS: "100000000" }, apiPort: true, noScheduler: true, log });
  const workers = new WorkerSet();
  const submitter = workers.spawn();
  const ask = (req: TWorkerRequest) => workers.ask(submitter, req);

  type TBlock = { port: string; offered: number; accepted: number; failed: number; notSent: number; wallS: number; webMsPer: number; pgMsPer: number; p50: number; p99: number };
  try {
    await stack.start();
    const pgVersion = (await stack.prisma.$queryRaw<{ v: string }[]>`SELECT current_setting('server_version') AS v`)[0]!.v;
    const web = stack.pids().find((p) => p.name === "web0")!.pid;
    const ports = { "Next's port": stack.bases[0]!, "API port": stack.uploadBases[0]! };
    const block = async (port: keyof typeof ports, rate: number, seconds: number, maxOutstanding: number): Promise<TBlock> => {
      const web0 = processCpuS(web)!;
      const pg0 = stack.postgresCpuS()!;
      const r = (await ask({ cmd: "offer", bases: [ports[port]], apiKey: stack.credentials.apiKey, ratePerS: rate, durationS: seconds, maxOutstanding })) as Extract<TWorkerReply, { ev: "offered" }>;
      const accepted = r.result.jobs.length;
      const ms = r.records.ms["POST /api/v1/jobs"] ?? [];
      const b = {
        port,
        offered: rate,
        accepted: accepted / r.result.wallS,
        failed: r.result.failed,
        notSent: r.result.notSent,
        wallS: r.result.wallS,
        webMsPer: ((processCpuS(web)! - web0) * 1_000) / Math.max(1, accepted),
        pgMsPer: ((stack.postgresCpuS()! - pg0) * 1_000) / Math.max(1, accepted),
        p50: percentile(ms, 50),
        p99: percentile(ms, 99),
      };
      log(`${port} at ${rate}/s: ${fmt(b.accepted)} accepted/s, web ${fmt(b.webMsPer)} ms and Postgres ${fmt(b.pgMsPer)} ms of CPU an upload, p50/p99 ${fmt(b.p50)}/${fmt(b.p99)} ms`);
      return b;
    };
    const rate = Number(a.rate);
    const blockS = Number(a["block-s"]);
    // Warm both paths (a process's first thousands of requests run cold and cost it more CPU each),
    // then the measured blocks in turns: Next, API, API, Next, … so neither always goes first.
    for (const port of Object.keys(ports) as (keyof typeof ports)[]) await block(port, rate, blockS * 2, 64);
    const paced: TBlock[] = [];
    for (let i = 0; i < Number(a.pairs); i++) {
      const order: (keyof typeof ports)[] = i % 2 === 0 ? ["Next's port", "API port"] : ["API port", "Next's port"];
      for (const port of order) {
        paced.push(await block(port, rate, blockS, 64));
        await sleep(1_000);
      }
    }
    const flood: TBlock[] = [];
    for (const port of ["Next's port", "API port", "API port", "Next's port"] as const) {
      flood.push(await block(port, Number(a["flood-rate"]), Number(a["flood-s"]), Number(a["flood-outstanding"])));
      await sleep(2_000);
    }

    const rows = (blocks: TBlock[]) =>
      (Object.keys(ports) as (keyof typeof ports)[]).map((port) => {
        const mine = blocks.filter((b) => b.port === port);
        const range = (f: (b: TBlock) => number) => mine.map(f).map((x) => fmt(x)).join(" / ");
        return [port, range((b) => b.accepted), range((b) => b.webMsPer), range((b) => b.pgMsPer), range((b) => b.p50), range((b) => b.p99), String(mine.reduce((s, b) => s + b.failed, 0))];
      });
    const header = ["uploads through", "accepted/s (each block)", "web CPU ms per upload", "Postgres CPU ms per upload", "round trip p50 ms", "p99 ms", "failed"];
    const md = [
      `# One replica's uploads: Next's port against the API port`,
      "",
      `\`${layout.kind === "repo" ? "npx tsx packages/scheduler/bench/upload-port.ts" : "BENCH=bench-upload-port bash scripts/bench-host/run-dispatch.sh"} ${process.argv.slice(2).filter((x, i, all) => !["--root", "--work", "--out", "--web-dir"].includes(x) && !["--root", "--work", "--out", "--web-dir"].includes(all[i - 1] ?? "")).join(" ")}\``.replace(/ `$/, "`"),
      "",
      `## Paced: ${rate} uploads/s offered, ${blockS} s blocks taking turns`,
      "",
      table(header, rows(paced)),
      "",
      `## Flooded: ${a["flood-rate"]} uploads/s offered with at most ${a["flood-outstanding"]} in flight (the rest not sent), ${a["flood-s"]} s blocks (Next, API, API, Next)`,
      "",
      table(header, rows(flood)),
      "",
      "- One web replica (the production build) and Postgres; no scheduler and no agents, so the jobs stay queued. The per-key upload limit and the queue's back-pressure limit are lifted; the upload's checks, storage (Postgres) and statements are the shipped ones.",
      `- Before the measured blocks, each port took ${rate} uploads/s for ${blockS * 2} s to warm up.`,
      "- Web CPU: the replica's process (user + system, /proc) over the block, divided by the uploads it accepted; Postgres's likewise. The submitter runs in its own process.",
      "- Each upload is one 1×1 PNG in a multipart body with an API key (Bearer), over keep-alive HTTP/1.1 from Node's fetch.",
      ...machine(pgVersion).map((l) => `- ${l}`),
      "",
    ].join("\n");
    writeFileSync(path.join(outDir, "bench-upload-port.md"), md);
    writeFileSync(path.join(outDir, "bench-upload-port.json"), JSON.stringify({ paced, flood }, null, 1));
    console.log(md);
  } finally {
    await workers.stopAll(5_000);
    await stack.stop().catch((e: Error) => log(`teardown: ${e.message}`));
  }
  process.exit(0);
}
