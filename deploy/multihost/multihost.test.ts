// Several hosts simulated with network namespaces (net.ts): control-plane replicas A and B on hosts
// of their own, each with the scheduler beside it, two agent hosts, and Postgres on the bridge's own
// address. Uploads go through A while the agents talk only to B; then an agent host is cut off past
// its lease and healed; then A is killed. Every job completes exactly once, with its own result.
// Real processes: Next's standalone server (deploy/containers/stage.sh or HEADROOM_NEXT_STANDALONE=1
// next build), the scheduler and agents under tsx, a runner child that takes HEADROOM_SIM_JOB_MS.
// About a minute on a 2-core machine, so it runs only when asked, as root:
//   HEADROOM_MULTIHOST=1 npx vitest run deploy/multihost
import { spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { useTestDatabase } from "@headroom/db/testing";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBootstrapCredentials } from "../../apps/web/src/server/auth/bootstrap.ts";
import { SimNetwork } from "./net.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const SERVER = path.join(ROOT, "apps/web/.next-standalone/standalone/apps/web/server.js");
// `node --import tsx`, not tsx's CLI: the CLI runs the script in a child, which a SIGKILL of the CLI
// would leave running.
const TS = [process.execPath, "--import", "tsx"];
const possible = SimNetwork.possible();
const why = process.env.HEADROOM_MULTIHOST !== "1" ? "set HEADROOM_MULTIHOST=1 to run" : !possible.ok ? possible.reason : !existsSync(SERVER) ? "no standalone web build (deploy/containers/stage.sh)" : null;

const t = useTestDatabase();
const API_KEY = "hk_multihost_simulation_key_0123456789";
const LEASE_MS = 4_000;
const JOB_MS = 2_500;

describe.skipIf(why !== null)(`several hosts on one machine${why ? ` (skipped: ${why})` : ""}`, () => {
  const simnet = new SimNetwork();
  const procs = new Map<string, ChildProcess>();
  let proxy: net.Server;
  let uploaded: { id: string; sha: string }[] = [];

  const start = (name: string, host: string, argv: string[], env: Record<string, string>, cwd = ROOT) => {
    const p = spawn(simnet.exec(host, argv)[0]!, simnet.exec(host, argv).slice(1), { cwd, env: { PATH: process.env.PATH, LOG_LEVEL: "warn", ...env }, stdio: ["ignore", "ignore", "inherit"] });
    procs.set(name, p);
    return p;
  };
  const url = (host: string) => `http://${simnet.hosts.get(host)!.address}:3000`;
  async function waitHttp(u: string, ms = 90_000): Promise<void> {
    const t0 = Date.now();
    while (Date.now() - t0 < ms) {
      if (await fetch(u, { signal: AbortSignal.timeout(2_000) }).then((r) => r.ok, () => false)) return;
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`${u} did not answer in ${ms} ms`);
  }
  async function upload(host: string, n: number): Promise<{ id: string; sha: string }[]> {
    const out: { id: string; sha: string }[] = [];
    for (let i = 0; i < n; i++) {
      // Each file different, so each result can be matched to its bytes.
      const png = await sharp({ create: { width: 64 + uploaded.length + out.length, height: 48, channels: 3, background: "#fff" } }).png().toBuffer();
      const form = new FormData();
      form.append("file", new Blob([new Uint8Array(png)], { type: "image/png" }), `p${i}.png`);
      const res = await fetch(`${url(host)}/api/v1/jobs`, { method: "POST", headers: { authorization: `Bearer ${API_KEY}` }, body: form });
      expect(res.status, await res.clone().text()).toBe(201);
      const { jobs } = (await res.json()) as { jobs: { id: string }[] };
      out.push({ id: jobs[0]!.id, sha: createHash("sha256").update(png).digest("hex") });
    }
    uploaded = [...uploaded, ...out];
    return out;
  }
  async function allSucceeded(jobs: { id: string }[], ms = 90_000): Promise<void> {
    const t0 = Date.now();
    while (Date.now() - t0 < ms) {
      const done = await t.db.job.count({ where: { id: { in: jobs.map((j) => j.id) }, status: "SUCCEEDED" } });
      if (done === jobs.length) return;
      const failed = await t.db.job.findMany({ where: { id: { in: jobs.map((j) => j.id) }, status: "FAILED" }, select: { id: true, errorCode: true, errorMessage: true } });
      if (failed.length) throw new Error(`failed: ${JSON.stringify(failed)}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`not all of ${jobs.length} jobs succeeded in ${ms} ms`);
  }
  /** Every job uploaded so far: SUCCEEDED, completed exactly once, its result the sha of its own bytes. */
  async function nothingLostNorTwice(): Promise<void> {
    for (const u of uploaded) {
      const job = await t.db.job.findUniqueOrThrow({ where: { id: u.id }, select: { status: true, text: true } });
      expect(job.status).toBe("SUCCEEDED");
      expect(job.text).toContain(`sha256:${u.sha}`);
      expect(await t.db.jobEvent.count({ where: { jobId: u.id, type: "completed" } })).toBe(1);
    }
  }

  beforeAll(async () => {
    simnet.up();
    simnet.add("cpa", 11);
    simnet.add("cpb", 12);
    simnet.add("ag1", 21);
    simnet.add("ag2", 22);
    // Postgres is the test run's own, reached at the bridge's address through a plain TCP relay.
    const pg = new URL(t.url);
    proxy = net.createServer((c) => {
      const up = net.connect(Number(pg.port), pg.hostname);
      c.pipe(up).pipe(c);
      c.on("error", () => up.destroy());
      up.on("error", () => c.destroy());
    });
    await new Promise<void>((r) => proxy.listen(0, simnet.gateway, r));
    const dbUrl = new URL(t.url);
    dbUrl.hostname = simnet.gateway;
    dbUrl.port = String((proxy.address() as net.AddressInfo).port);

    await ensureBootstrapCredentials(t.db, { adminEmail: "admin@sim.local", adminPassword: "sim-password-1", apiKey: API_KEY });
    await t.db.fleetSettings.upsert({ where: { id: 1 }, create: { id: 1 }, update: {} });
    const cpEnv = (host: string) => ({
      NODE_ENV: "production", PORT: "3000", HOSTNAME: simnet.hosts.get(host)!.address, DATABASE_URL: dbUrl.toString(),
      HEADROOM_ENROLL_TOKEN: "simulated-enrolment-token", HEADROOM_STORAGE: "postgres", HEADROOM_LEASE_MS: String(LEASE_MS), HEADROOM_NODE_OFFLINE_MS: "3000", NEXT_TELEMETRY_DISABLED: "1",
    });
    for (const h of ["cpa", "cpb"]) {
      start(`web-${h}`, h, [process.execPath, SERVER], cpEnv(h));
      start(`scheduler-${h}`, h, [...TS, "apps/scheduler/src/main.ts"], cpEnv(h));
    }
    await Promise.all([waitHttp(`${url("cpa")}/api/health`), waitHttp(`${url("cpb")}/api/health`)]);
    for (const h of ["ag1", "ag2"]) {
      start(`agent-${h}`, h, [...TS, "apps/gpu-node/src/main.ts"], {
        HEADROOM_CONTROL_URL: url("cpb"), HEADROOM_ENROLL_TOKEN: "simulated-enrolment-token", HEADROOM_NODE_NAME: h, HEADROOM_PROVIDERS: "scripted",
        HEADROOM_RUNNER_MODULE: path.join(ROOT, "deploy/multihost/slow-child.ts"), HEADROOM_SIM_JOB_MS: String(JOB_MS), HEADROOM_CPU_BUDGET_MIB: "4096",
      });
    }
    const t0 = Date.now();
    while ((await t.db.node.count({ where: { status: "ONLINE" } })) < 2) {
      if (Date.now() - t0 > 90_000) throw new Error("the agents did not register");
      await new Promise((r) => setTimeout(r, 250));
    }
  }, 240_000);

  afterAll(async () => {
    for (const p of procs.values()) if (p.exitCode === null) p.kill("SIGKILL");
    await Promise.all([...procs.values()].map((p) => (p.exitCode === null && p.signalCode === null ? new Promise((r) => p.once("exit", r)) : null)));
    simnet.remove();
    proxy?.close();
  });

  it("uploads through replica A, agents fetch and report through replica B, every job completes", async () => {
    const jobs = await upload("cpa", 6);
    await allSucceeded(jobs);
    await nothingLostNorTwice();
    // Both agents worked, and only through B (the only address they were given).
    const nodes = await t.db.job.findMany({ where: { id: { in: jobs.map((j) => j.id) } }, select: { node: { select: { name: true } } } });
    expect(new Set(nodes.map((n) => n.node?.name)).size).toBe(2);
  }, 120_000);

  it("an agent host cut off past its lease, then healed: nothing lost, nothing completed twice", async () => {
    const jobs = await upload("cpb", 4);
    const ag1 = await t.db.node.findFirstOrThrow({ where: { name: "ag1" }, select: { id: true } });
    const t0 = Date.now();
    let cut: { id: string } | null = null;
    while (!(cut = await t.db.job.findFirst({ where: { nodeId: ag1.id, status: "RUNNING", startedAt: { not: null } }, select: { id: true } }))) {
      if (Date.now() - t0 > 30_000) throw new Error("ag1 never ran a job");
      await new Promise((r) => setTimeout(r, 50));
    }
    simnet.setConnected("ag1", false);
    // Past the lease: the scheduler requeues ag1's job and ag2 runs it.
    await allSucceeded(jobs);
    await new Promise((r) => setTimeout(r, LEASE_MS));
    simnet.setConnected("ag1", true);
    // ag1 comes back and reports what it finished while cut off: refused (LEASE_LOST), not counted.
    await new Promise((r) => setTimeout(r, 8_000));
    await nothingLostNorTwice();
    // The job ag1 held when it was cut off: its lease expired, and it completed once, elsewhere.
    const events = await t.db.jobEvent.findMany({ where: { jobId: cut.id }, orderBy: { createdAt: "asc" }, select: { type: true, nodeId: true } });
    expect(events.map((e) => e.type)).toContain("lease_expired");
    expect(events.filter((e) => e.type === "completed").map((e) => e.nodeId)).not.toContain(ag1.id);
  }, 120_000);

  it("replica A killed: B goes on serving, and nothing uploaded through A is lost", async () => {
    procs.get("web-cpa")!.kill("SIGKILL");
    procs.get("scheduler-cpa")!.kill("SIGKILL");
    const jobs = await upload("cpb", 3);
    await allSucceeded(jobs);
    await nothingLostNorTwice();
    expect(await t.db.storedFile.count({ where: { complete: true } })).toBe(uploaded.length);
  }, 120_000);
});
