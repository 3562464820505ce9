// Runs the built images together without a container runtime, as far as chroot can (root): a
// throwaway embedded Postgres, the migration, the web server and the scheduler from the control-plane
// image, a CPU agent from the cpu-agent image doing real OCR, each as the image's user in its working
// directory with the image's environment. Uploads a rendered line of text through the API, waits for
// its result, then stops the agent with SIGTERM and checks it deregistered.
//   tsx deploy/containers/smoke-images.ts [--tag 0.1.0] [--port 3291]
// /proc and /dev are bind-mounted into the agent's root (a runtime would mount them) and unmounted after.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { startDatabase } from "@headroom/db/bootstrap";
import sharp from "sharp";
import { IMAGES, type TImageName } from "./images.ts";

const { values } = parseArgs({ options: { tag: { type: "string", default: "0.1.0" }, port: { type: "string", default: "3291" } } });
const base = `http://127.0.0.1:${values.port}`;
const API_KEY = "hk_image_smoke_key_0123456789";
const ENROL = "image-smoke-enrolment-token";
const sh = (cmd: string, args: string[]) => execFileSync(cmd, args, { encoding: "utf8" }).trim();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const mounted: { ctr: string; mnt: string; binds: string[] }[] = [];
function mount(name: TImageName, binds: string[] = []) {
  const ctr = sh("buildah", ["from", `headroom/${name}:${values.tag}`]);
  const mnt = sh("buildah", ["mount", ctr]);
  for (const b of binds) sh("mount", ["--bind", b, path.join(mnt, b)]);
  mounted.push({ ctr, mnt, binds });
  return mnt;
}
const procs: ChildProcess[] = [];
function run(name: TImageName, mnt: string, script: string, env: Record<string, string>, log: string): ChildProcess {
  const image = IMAGES[name];
  const p = spawn("/usr/sbin/chroot", ["--userspec", image.user, mnt, "/usr/bin/env", "-C", image.workdir, ...image.entrypoint, script], {
    env: { PATH: "/usr/local/bin:/usr/bin:/bin", ...image.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  p.stdout!.on("data", (d: Buffer) => process.stdout.write(`[${log}] ${d}`));
  p.stderr!.on("data", (d: Buffer) => process.stdout.write(`[${log}] ${d}`));
  p.on("error", (err) => process.stdout.write(`[${log}] could not start: ${err.message}\n`));
  procs.push(p);
  return p;
}

const dataDir = mkdtempSync(path.join(os.tmpdir(), "headroom-image-smoke-"));
const db = await startDatabase({ dataDir, log: () => {} });
let ok = false;
try {
  const cp = mount("control-plane");
  const agentRoot = mount("cpu-agent", ["/proc", "/dev"]);
  const dbEnv = { DATABASE_URL: db.url };
  const migrate = run("control-plane", cp, "/app/bin/migrate.mjs", { ...dbEnv, HEADROOM_ADMIN_EMAIL: "admin@image.local", HEADROOM_ADMIN_PASSWORD: "image-smoke-1", HEADROOM_API_KEY: API_KEY }, "migrate");
  const code = await new Promise((r) => (migrate.once("exit", r), migrate.once("error", () => r("not started"))));
  if (code !== 0) throw new Error(`the migration exited ${code}`);
  run("control-plane", cp, "/app/web/apps/web/server.js", { ...dbEnv, HOSTNAME: "127.0.0.1", PORT: values.port!, HEADROOM_ENROLL_TOKEN: ENROL, HEADROOM_STORAGE: "postgres" }, "web");
  run("control-plane", cp, "/app/bin/scheduler.mjs", dbEnv, "scheduler");
  for (let i = 0; ; i++) {
    const h = await fetch(`${base}/api/health`).then((r) => r.json() as Promise<{ status: string }>, () => null);
    if (h?.status === "ok") break;
    if (i > 120) throw new Error("the web server from the image never became ready");
    await sleep(500);
  }
  const agent = run("cpu-agent", agentRoot, "/app/bin/agent.mjs", { HEADROOM_CONTROL_URL: base, HEADROOM_ENROLL_TOKEN: ENROL, HEADROOM_NODE_NAME: "image-cpu", HEADROOM_CPU_BUDGET_MIB: "3072", HEADROOM_OCR_THREADS: "1", LOG_LEVEL: "info" }, "agent");

  const png = await sharp(Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="640" height="160"><rect width="100%" height="100%" fill="white"/><text x="20" y="100" font-family="DejaVu Sans" font-size="56" fill="black">TOTAL 42.50</text></svg>`)).png().toBuffer();
  const form = new FormData();
  form.append("file", new Blob([new Uint8Array(png)], { type: "image/png" }), "line.png");
  const created = (await (await fetch(`${base}/api/v1/jobs`, { method: "POST", headers: { authorization: `Bearer ${API_KEY}` }, body: form })).json()) as { jobs: { id: string }[] };
  const id = created.jobs[0]!.id;
  let job: { status: string; result?: { text: string } | null } = { status: "QUEUED" };
  for (let i = 0; i < 240 && !["SUCCEEDED", "FAILED"].includes(job.status); i++) {
    await sleep(1_000);
    job = (await (await fetch(`${base}/api/v1/jobs/${id}`, { headers: { authorization: `Bearer ${API_KEY}` } })).json()) as typeof job;
  }
  console.log(`job ${id}: ${job.status} ${JSON.stringify(job.result?.text)}`);
  agent.kill("SIGTERM");
  const agentCode = await new Promise((r) => agent.once("exit", r));
  const nodes = (await (await fetch(`${base}/metrics`)).text()).match(/headroom_node_online\{[^}]*node="image-cpu"[^}]*\} (\d)/)?.[1];
  console.log(`agent exited ${agentCode} on SIGTERM; headroom_node_online for it: ${nodes}`);
  ok = job.status === "SUCCEEDED" && /42\.50/.test(job.result?.text ?? "") && agentCode === 0 && nodes === "0";
} finally {
  for (const p of procs) if (p.exitCode === null) p.kill("SIGTERM");
  await sleep(2_000);
  for (const p of procs) if (p.exitCode === null) p.kill("SIGKILL");
  for (const m of mounted) {
    for (const b of m.binds) sh("umount", [path.join(m.mnt, b)]);
    sh("buildah", ["umount", m.ctr]);
    sh("buildah", ["rm", m.ctr]);
  }
  await db.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
console.log(ok ? "images work together: migrated, served, scheduled, read the line, deregistered on SIGTERM" : "image smoke test FAILED");
process.exit(ok ? 0 : 1);
