// The agent port over real HTTP against a real Postgres: a job's whole round (register, heartbeat,
// claim, file, start, complete) through the same handlers Next serves, and a short job's two
// requests (its file in the claim, its start in the completion); the port's own answers (404, 405, a
// body over the limit); the error shape of the handlers; a hung-up long-poll claims nothing; and a
// drain answers waiting long-polls at once and refuses new connections.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { enqueueJobs, notifyPlaced, schedulerTick } from "@headroom/scheduler";
import { useTestDatabase } from "@headroom/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as actions from "../agent/actions";
import { agentRoute } from "../agent/call";
import { uploadStore } from "../jobs/upload-store";
import { drainPort } from "../port/start";
import type { TPortServer } from "../port/server";
import { createAgentPortServer, MAX_AGENT_BODY_BYTES } from "./server";

const t = useTestDatabase();
const ENROLL = "agent-port-enrolment-token-0123";
let server: TPortServer;
let base = "";

beforeAll(async () => {
  Object.assign(process.env, { DATABASE_URL: t.url, HEADROOM_ENROLL_TOKEN: ENROLL, HEADROOM_STORAGE: "postgres", LOG_LEVEL: "silent" });
  (globalThis as { headroomDb?: unknown }).headroomDb = t.db;
  server = createAgentPortServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  delete (globalThis as { headroomDb?: unknown }).headroomDb;
});

const reading = (usedMiB: number) => ({ usedMiB, totalMiB: 16_000, freeMiB: 16_000 - usedMiB, processMiB: usedMiB, utilPct: 5, source: "nvml" as const });
const post = (token: string, url: string, body: unknown) =>
  fetch(`${base}${url}`, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: JSON.stringify(body) });

async function registered(name: string): Promise<string> {
  const res = await post(ENROLL, "/api/agent/v1/register", { name, hostname: name, kind: "GPU", gpuIndex: 0, gpuName: "test GPU", provider: "cuda", providerNotes: [], agentVersion: "test", memory: reading(500) });
  expect(res.status).toBe(200);
  return ((await res.json()) as { token: string }).token;
}

/** A job the real tick places on the node named `on`: the other tests' nodes are taken offline first. */
async function placedJob(bytes: Buffer, on: string): Promise<string> {
  await t.db.node.updateMany({ where: { name: { not: on } }, data: { status: "OFFLINE" } });
  const storageKey = await uploadStore().put(bytes);
  const [job] = await enqueueJobs(t.db, [{ fileName: "page.png", mimeType: "image/png", sizeBytes: bytes.length, sha256: "0".repeat(64), widthPx: 10, heightPx: 10, pages: 1, batchId: null, storageKey, idempotencyKey: null, priority: 0, maxAttempts: 3, userId: null, apiKeyId: null }]);
  await schedulerTick(t.db, { nodeOfflineMs: 60_000 });
  // As the scheduler process does after a tick: the node's long-poll wakes on it.
  const { nodeId } = await t.db.job.findUniqueOrThrow({ where: { id: job!.id }, select: { nodeId: true } });
  if (nodeId) await notifyPlaced(t.db, [nodeId]);
  return job!.id;
}

describe("the agent port", () => {
  it("serves a job's whole round through the app's handlers, with the API's headers", async () => {
    const token = await registered("port-round");
    const beat = await post(token, "/api/agent/v1/heartbeat", { memory: reading(600), activeJobs: [], appliedSettingsVersion: 0 });
    expect(beat.status).toBe(200);
    expect(beat.headers.get("content-security-policy")).toContain("default-src 'none'");
    expect(beat.headers.get("x-content-type-options")).toBe("nosniff");
    expect(Number(beat.headers.get("content-length"))).toBeGreaterThan(0);
    expect(await beat.json()).toMatchObject({ revokedJobs: [] });

    const bytes = Buffer.from(Array.from({ length: 70_000 }, (_, i) => i % 251));
    const jobId = await placedJob(bytes, "port-round");
    const claim = await post(token, "/api/agent/v1/claim", { waitMs: 2_000 });
    expect(claim.status).toBe(200);
    const assignment = (await claim.json()) as { jobId: string; attempt: number; filePath: string; fileBase64?: string };
    expect(assignment.jobId).toBe(jobId);
    // Small enough to ride the claim (HEADROOM_CLAIM_FILE_MAX_BYTES); the GET still serves it.
    expect(Buffer.from(assignment.fileBase64 ?? "", "base64").equals(bytes)).toBe(true);

    const file = await fetch(`${base}${assignment.filePath}`, { headers: { authorization: `Bearer ${token}` } });
    expect(file.status).toBe(200);
    expect(file.headers.get("content-type")).toBe("image/png");
    expect(Buffer.from(await file.arrayBuffer()).equals(bytes)).toBe(true);

    expect((await post(token, `/api/agent/v1/jobs/${jobId}/start`, { attempt: assignment.attempt, memory: reading(700) })).status).toBe(200);
    const done = await post(token, `/api/agent/v1/jobs/${jobId}/complete`, {
      attempt: assignment.attempt,
      durationMs: 40,
      memory: { beforeMiB: 700, afterMiB: 700, peakMiB: 900 },
      result: { text: "hello", pages: [{ page: 1, widthPx: 10, heightPx: 10, lines: [], text: "hello" }], model: "test", provider: "cuda", timingsMs: {} },
    });
    expect(done.status).toBe(200);
    expect(await t.db.job.findUniqueOrThrow({ where: { id: jobId }, select: { status: true, text: true } })).toEqual({ status: "SUCCEEDED", text: "hello" });
  });

  it("a short job costs two requests: its file comes with the claim, and its completion carries its start", async () => {
    const token = await registered("port-short");
    const bytes = Buffer.from("a small page");
    const jobId = await placedJob(bytes, "port-short");
    const claim = await post(token, "/api/agent/v1/claim", { waitMs: 2_000 });
    const assignment = (await claim.json()) as { jobId: string; attempt: number; fileBase64?: string };
    expect(assignment.jobId).toBe(jobId);
    expect(Buffer.from(assignment.fileBase64 ?? "", "base64").equals(bytes)).toBe(true);
    const done = await post(token, `/api/agent/v1/jobs/${jobId}/complete`, {
      attempt: assignment.attempt,
      durationMs: 120,
      startedMsAgo: 150,
      memory: { beforeMiB: 710, afterMiB: 700, peakMiB: 900 },
      result: { text: "hi", pages: [{ page: 1, widthPx: 10, heightPx: 10, lines: [], text: "hi" }], model: "test", provider: "cuda", timingsMs: {} },
    });
    expect(done.status).toBe(200);
    const job = await t.db.job.findUniqueOrThrow({ where: { id: jobId }, select: { status: true, startedAt: true, finishedAt: true, memBeforeMiB: true } });
    expect(job).toMatchObject({ status: "SUCCEEDED", memBeforeMiB: 710 });
    expect(job.finishedAt!.getTime() - job.startedAt!.getTime()).toBe(150);
    const events = await t.db.jobEvent.findMany({ where: { jobId }, orderBy: { id: "asc" }, select: { type: true } });
    expect(events.map((e) => e.type)).toEqual(["created", "placed", "claimed", "started", "completed"]);
  });

  it("answers the handlers' errors as Next does: {error:{code,message}} with the code's status", async () => {
    const token = await registered("port-errors");
    const noToken = await fetch(`${base}/api/agent/v1/heartbeat`, { method: "POST", body: "{}" });
    expect(noToken.status).toBe(401);
    expect(((await noToken.json()) as { error: { code: string } }).error.code).toBe("UNAUTHENTICATED");
    const badJson = await fetch(`${base}/api/agent/v1/heartbeat`, { method: "POST", headers: { authorization: `Bearer ${token}` }, body: "{not json" });
    expect(badJson.status).toBe(400);
    expect(await badJson.json()).toEqual({ error: { code: "INVALID_INPUT", message: "Body must be JSON" } });
    const notHeld = await fetch(`${base}/api/agent/v1/jobs/${crypto.randomUUID()}/file`, { headers: { authorization: `Bearer ${token}` } });
    expect(notHeld.status).toBe(409);
    expect(((await notHeld.json()) as { error: { code: string } }).error.code).toBe("LEASE_LOST");
  });

  it("answers each body as the route's Next handler does, bad ones included", async () => {
    const token = await registered("port-parity");
    const next = agentRoute(actions.heartbeat);
    const valid = JSON.stringify({ memory: reading(600), activeJobs: [], appliedSettingsVersion: 0 });
    const bodies = { valid, "with a byte-order mark": `\uFEFF${valid}`, empty: "", "not JSON": "{not json", "a bad field": JSON.stringify({ memory: reading(600) }) };
    for (const [what, body] of Object.entries(bodies)) {
      for (const authorization of [`Bearer ${token}`, "Bearer not-a-node-token"]) {
        const headers = { authorization, "content-type": "application/json" };
        const viaPort = await fetch(`${base}/api/agent/v1/heartbeat`, { method: "POST", headers, body });
        const viaNext = await next(new Request("http://next.local/api/agent/v1/heartbeat", { method: "POST", headers, body }), { params: Promise.resolve({}) });
        const label = `${what}, ${authorization.slice(0, 12)}`;
        expect(viaPort.status, label).toBe(viaNext.status);
        expect(viaPort.headers.get("content-type"), label).toBe(viaNext.headers.get("content-type"));
        expect(viaPort.headers.get("cache-control"), label).toBe(viaNext.headers.get("cache-control"));
        expect(await viaPort.json(), label).toEqual(await viaNext.json());
      }
    }
  });

  it("answers 404 NOT_FOUND off the agent protocol and 405 with Allow for a wrong method", async () => {
    const off = await fetch(`${base}/api/v1/jobs`);
    expect(off.status).toBe(404);
    expect(((await off.json()) as { error: { code: string; message: string } }).error).toMatchObject({ code: "NOT_FOUND", message: expect.stringContaining("/api/agent/v1/") });
    const wrong = await fetch(`${base}/api/agent/v1/heartbeat`);
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get("allow")).toBe("POST");
  });

  it("refuses a body declared over the limit with 413 before reading it", async () => {
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request(`${base}/api/agent/v1/samples`, { method: "POST", headers: { "content-type": "application/json", "content-length": String(MAX_AGENT_BODY_BYTES + 1) } }, (res) => {
        let body = "";
        res.on("data", (c) => (body += c));
        res.on("end", () => resolve({ status: res.statusCode!, body }));
      });
      req.on("error", reject);
      req.write("{");
    });
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body).error.code).toBe("FILE_TOO_LARGE");
  });

  it("a long-poll whose agent hung up claims nothing placed after", async () => {
    const token = await registered("port-hangup");
    const claim = (signal?: AbortSignal) => fetch(`${base}/api/agent/v1/claim`, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: JSON.stringify({ waitMs: 10_000 }), signal });
    const ac = new AbortController();
    const hungUp = claim(ac.signal).catch(() => "aborted");
    await new Promise((r) => setTimeout(r, 300));
    ac.abort();
    expect(await hungUp).toBe("aborted");
    await new Promise((r) => setTimeout(r, 100));
    const jobId = await placedJob(Buffer.from("x"), "port-hangup");
    // Had the hung-up long-poll still been waiting, the placement's NOTIFY would have woken it to claim.
    await new Promise((r) => setTimeout(r, 500));
    expect(await t.db.job.findUniqueOrThrow({ where: { id: jobId }, select: { status: true, attempt: true } })).toEqual({ status: "PLACED", attempt: 0 });
    const next = await claim();
    expect(next.status).toBe(200);
    expect(((await next.json()) as { jobId: string }).jobId).toBe(jobId);
  });
});

describe("draining the agent port", () => {
  it("answers waiting long-polls at once (204), refuses new connections, and resolves once closed", async () => {
    const own = createAgentPortServer();
    await new Promise<void>((r) => own.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(own.address() as AddressInfo).port}`;
    const token = await registered("port-drain");
    const t0 = Date.now();
    const claim = fetch(`${url}/api/agent/v1/claim`, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: JSON.stringify({ waitMs: 20_000 }) }).then((r) => ({ status: r.status, ms: Date.now() - t0 }));
    await new Promise((r) => setTimeout(r, 500));
    const drained = drainPort(own, 5_000);
    const answered = await claim;
    expect(answered.status).toBe(204);
    expect(answered.ms).toBeLessThan(3_000);
    const late = await fetch(`${url}/api/agent/v1/heartbeat`, { method: "POST" }).then((r) => `answered ${r.status}`, (e: Error) => `refused: ${(e.cause as { code?: string } | undefined)?.code}`);
    expect(late).toBe("refused: ECONNREFUSED");
    await drained;
    expect(own.listening).toBe(false);
  });
});
