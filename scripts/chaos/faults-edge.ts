// Faults at the edges: an agent cut off from the control plane past its lease, a full upload disk,
// and a client that trickles its upload.
import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { readdirSync, readFileSync, rmSync, statfsSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { listNodes, setDrained } from "../fleet-bench/api.ts";
import { injection, sleep, waitFor, waitTerminal, type TFaultContext } from "./fault-support.ts";
import { uploadOnce, type TSubmission } from "./load.ts";
import { setLink } from "./netns.ts";
import type { TInjection } from "./reconcile.ts";
import { LEASE_MS, UPLOAD_TIMEOUT_MS } from "./stack.ts";

function probe(doc: string): TSubmission {
  return { key: `chaos-probe-${randomUUID()}`, doc, firstTryAt: Date.now(), jobId: null, acceptedAt: null, tries: 0, refusals: [], gaveUp: null };
}

/** Uploads until accepted (a minute at most), recording the submission like the load's. */
async function submitProbe(ctx: TFaultContext, s: TSubmission, doc = ctx.longDoc, priority?: number): Promise<string | null> {
  ctx.record(s);
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    s.tries++;
    const r = await uploadOnce(ctx.stack.baseUrl, ctx.stack.credentials.apiKey, doc, s.key, { priority }).catch(() => ({ status: 0, body: "" }));
    if (r.status === 201 || r.status === 200) {
      s.jobId = (JSON.parse(r.body) as { jobs: { id: string }[] }).jobs[0]!.id;
      s.acceptedAt = Date.now();
      return s.jobId;
    }
    s.refusals.push(String(r.status || "net"));
    await sleep(1_000);
  }
  s.gaveUp = "probe not accepted within 60 s";
  return null;
}

/**
 * An agent in its own network namespace loses its link while it runs a long job. The lease expires,
 * the job runs again on another agent, and the link comes back while it does: whatever the cut-off
 * agent then reports (a heartbeat naming the job, a completion) must change nothing.
 */
export async function cutoff(ctx: TFaultContext, index: number): Promise<TInjection> {
  const inj = injection("cutoff", index, `link down past the ${LEASE_MS / 1000} s lease`);
  const isolated = [...ctx.stack.agents.values()].find((a) => a.spec.netns);
  if (!isolated?.spec.netns) return { ...inj, note: `no agent in a network namespace: ${ctx.stack.netnsNote || "needs two agents"}` };
  const ns = isolated.spec.netns;
  const name = isolated.spec.name;
  const others = [...ctx.stack.agents.keys()].filter((n) => n !== name);
  const base = ctx.stack.baseUrl;
  const key = ctx.stack.credentials.apiKey;
  const nodes = await listNodes(base, key);
  const idOf = (n: string) => nodes.find((x) => x.name === n)?.id;
  // The long job must land on the isolated agent: the others are drained until it starts there.
  for (const n of others) await setDrained(base, key, idOf(n)!, true);
  const s = probe(ctx.longDoc.name);
  let jobId: string | null = null;
  let running: { attempt: number } | null = null;
  try {
    // Ahead of the load's queue, so it starts on the isolated agent as soon as that one is free.
    jobId = await submitProbe(ctx, s, ctx.longDoc, 100);
    if (jobId) {
      const id = jobId;
      running = await waitFor(() => ctx.stack.prisma.job.findFirst({ where: { id, status: "RUNNING", node: { name } }, select: { attempt: true } }), 180_000);
    }
  } finally {
    for (const n of others) await setDrained(base, key, idOf(n)!, false);
  }
  if (!jobId || !running) return { ...inj, note: `the long job ${jobId ?? "(not accepted)"} did not start on ${name} within 180 s` };
  ctx.hit.add(jobId);
  await sleep(1_000);
  setLink(ns, false);
  const at = Date.now();
  const failedChecks: string[] = [];
  let restoredAfterMs = 0;
  try {
    // Retried elsewhere: a later attempt running (or done) on another agent.
    const id = jobId;
    const elsewhere = await waitFor(
      () => ctx.stack.prisma.job.findFirst({ where: { id, attempt: { gt: running!.attempt }, OR: [{ status: { in: ["SUCCEEDED", "FAILED"] } }, { status: "RUNNING", node: { name: { not: name } } }] }, select: { attempt: true } }),
      120_000,
    );
    if (!elsewhere) failedChecks.push("the job was not retried on another agent within 120 s of the cut");
  } finally {
    restoredAfterMs = Date.now() - at;
    setLink(ns, true);
  }
  const done = await waitTerminal(ctx, jobId, 180_000);
  // Time for the cut-off agent to reconnect and say what it has to say about the job.
  await sleep(20_000);
  const events = await ctx.stack.prisma.jobEvent.findMany({ where: { jobId }, select: { type: true, attempt: true, node: { select: { name: true } } }, orderBy: { id: "asc" } });
  const completions = events.filter((e) => e.type === "completed");
  if (completions.length !== 1) failedChecks.push(`${completions.length} completed events`);
  if (completions.some((e) => e.attempt === running!.attempt)) failedChecks.push("the cut-off attempt's completion was accepted");
  const agentLog = readFileSync(path.join(ctx.stack.logs, `${name}.log`), "utf8").split("\n").filter((l) => l.includes(jobId!));
  const late = agentLog.filter((l) => /no longer ours|LEASE_LOST|revoked|could not report/.test(l)).map((l) => {
    const m = /"why":"([^"]+)"|"msg":"([^"]+)"/.exec(l);
    return m?.[1] ?? m?.[2] ?? "?";
  });
  return {
    ...inj,
    at,
    injected: true,
    victimJobId: jobId,
    note: `job ${jobId} attempt ${running.attempt} on ${name}; link back after ${restoredAfterMs} ms; ${done?.status ?? "unfinished"} by ${completions.map((e) => `${e.node?.name}#${e.attempt}`).join(", ") || "nobody"}; the cut-off agent: ${late.join("; ") || "said nothing more about it"}; events ${events.map((e) => `${e.type}#${e.attempt}`).join(" ")}`,
    failedChecks,
  };
}

const FILLER = ".chaos-filler";

/** The upload tmpfs filled to within a few KiB: an upload gets 507 and leaves no file and no job; the same upload succeeds once there is room. */
export async function diskFull(ctx: TFaultContext, index: number): Promise<TInjection> {
  const inj = injection("disk-full", index, "upload tmpfs full");
  const dir = ctx.stack.uploadDir;
  const mounts = readFileSync("/proc/mounts", "utf8");
  if (!mounts.split("\n").some((l) => l.split(" ")[1] === dir && l.split(" ")[2] === "tmpfs")) return { ...inj, note: "the upload directory is not a tmpfs (mounting one needs root)" };
  const doc = ctx.docs.reduce((a, b) => (b.bytes.length > a.bytes.length ? b : a));
  const st = statfsSync(dir);
  const free = Number(st.bavail) * Number(st.bsize);
  const filler = path.join(dir, FILLER);
  const failedChecks: string[] = [];
  const s = probe(doc.name);
  let at = Date.now();
  try {
    execFileSync("fallocate", ["-l", String(Math.max(0, free - 8192)), filler]);
    const before = new Set(readdirSync(dir));
    at = Date.now();
    const r = await uploadOnce(ctx.stack.baseUrl, ctx.stack.credentials.apiKey, doc, s.key).catch((e: Error) => ({ status: 0, body: e.message }));
    if (r.status !== 507) failedChecks.push(`answer was ${r.status} ${r.body.slice(0, 120)}, not 507`);
    else if (!r.body.includes("INSUFFICIENT_STORAGE")) failedChecks.push(`507 without the INSUFFICIENT_STORAGE code: ${r.body.slice(0, 120)}`);
    // Only temp files: the load's own uploads may land beside the probe's in the same moment.
    const left = readdirSync(dir).filter((f) => !before.has(f) && f.endsWith(".tmp"));
    if (left.length) failedChecks.push(`half-written file(s) left in the upload dir: ${left.join(", ")}`);
    if (await ctx.stack.prisma.job.findUnique({ where: { idempotencyKey: s.key }, select: { id: true } })) failedChecks.push("a job was created without its file");
    inj.note = `refused with ${r.status}: ${r.body.slice(0, 100)}`;
  } finally {
    rmSync(filler, { force: true });
  }
  // The same upload, with the same key, once there is room again.
  const id = await submitProbe(ctx, s, doc);
  if (!id) failedChecks.push("the upload was not accepted once the disk had room");
  return { ...inj, at, injected: true, victimJobId: id, failedChecks };
}

/** A multipart upload that trickles 16 bytes every 250 ms: cut off at the upload time limit with 408, leaving no job and no file. */
export async function slowClient(ctx: TFaultContext, index: number): Promise<TInjection> {
  const inj = injection("slow-client", index, `trickling upload, ${UPLOAD_TIMEOUT_MS / 1000} s limit`);
  const key = `chaos-slow-${randomUUID()}`;
  const before = new Set(readdirSync(ctx.stack.uploadDir));
  const boundary = "chaosboundary";
  const head = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="slow.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`;
  const at = Date.now();
  const answer = await new Promise<{ status: number; afterMs: number; raw: string }>((resolve) => {
    const sock = net.connect({ host: "127.0.0.1", port: ctx.stack.lbPort });
    let raw = "";
    let timer: NodeJS.Timeout | undefined;
    const finish = (status: number) => {
      clearInterval(timer);
      sock.destroy();
      resolve({ status, afterMs: Date.now() - at, raw: raw.slice(0, 200) });
    };
    sock.on("connect", () => {
      sock.write(
        `POST /api/v1/jobs HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${ctx.stack.credentials.apiKey}\r\nIdempotency-Key: ${key}\r\n` +
          `Content-Type: multipart/form-data; boundary=${boundary}\r\nContent-Length: 200000\r\n\r\n${head}`,
      );
      timer = setInterval(() => sock.write(Buffer.alloc(16, 0x41)), 250);
    });
    sock.on("data", (d) => {
      raw += d.toString("latin1");
      const m = /^HTTP\/1\.1 (\d{3})/.exec(raw);
      if (m) finish(Number(m[1]));
    });
    sock.on("error", () => finish(0));
    sock.on("close", () => finish(0));
    setTimeout(() => finish(-1), UPLOAD_TIMEOUT_MS + 60_000);
  });
  const failedChecks: string[] = [];
  if (answer.status !== 408) failedChecks.push(`answer was ${answer.status === -1 ? "none within the limit + 60 s" : answer.status === 0 ? "a closed connection" : answer.status}, not 408`);
  if (answer.afterMs > UPLOAD_TIMEOUT_MS + 10_000) failedChecks.push(`cut off only after ${answer.afterMs} ms`);
  await sleep(1_000);
  const left = readdirSync(ctx.stack.uploadDir).filter((f) => !before.has(f) && f.startsWith("."));
  if (left.length) failedChecks.push(`left in the upload dir: ${left.join(", ")}`);
  if (await ctx.stack.prisma.job.findUnique({ where: { idempotencyKey: key }, select: { id: true } })) failedChecks.push("a job was created");
  return { ...inj, at, injected: true, note: `answered ${answer.status} after ${answer.afterMs} ms`, failedChecks };
}
