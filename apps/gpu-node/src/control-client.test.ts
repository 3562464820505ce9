import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { DEFAULT_THRESHOLDS, type TMemoryReading } from "@headroom/protocol";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ControlClient, ControlError, ControlUnreachableError, isLeaseLost, isUnauthenticated } from "./control-client.ts";

// A real HTTP peer on 127.0.0.1: each test sets how it answers and reads what it received.
type TSeen = { method: string; url: string; auth: string | undefined; body: unknown };
let seen: TSeen[] = [];
let answer: (req: TSeen, res: ServerResponse) => void = (_r, res) => res.writeHead(204).end();
let server: Server;
let baseUrl: string;

const json = (res: ServerResponse, status: number, body: unknown) => res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const text = Buffer.concat(chunks).toString();
      const s: TSeen = { method: req.method ?? "", url: req.url ?? "", auth: req.headers.authorization, body: text ? JSON.parse(text) : undefined };
      seen.push(s);
      answer(s, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));
beforeEach(() => {
  seen = [];
});

const memory: TMemoryReading = { usedMiB: 100, totalMiB: 8192, freeMiB: 8000, processMiB: 60, utilPct: null, source: "host" };
const registerBody = {
  name: "box-cpu",
  hostname: "box",
  kind: "CPU" as const,
  gpuIndex: null,
  gpuName: null,
  provider: "cpu",
  providerNotes: [{ provider: "cpu", ok: true }],
  agentVersion: "0.1.0",
  memory,
};

describe("ControlClient against a real HTTP server", () => {
  it("registers with the enrolment token, then uses the node token", async () => {
    answer = (req, res) =>
      req.url.endsWith("/register")
        ? json(res, 200, { nodeId: "n1", token: "node-secret", thresholds: DEFAULT_THRESHOLDS, settingsVersion: 3 })
        : json(res, 200, { thresholds: DEFAULT_THRESHOLDS, settingsVersion: 4, drained: false, revokedJobs: ["j9"] });
    const c = new ControlClient({ baseUrl: `${baseUrl}/` });
    const reg = await c.register(registerBody, "enrol-secret");
    expect(reg).toMatchObject({ nodeId: "n1", settingsVersion: 3 });
    c.setToken(reg.token);
    const hb = await c.heartbeat({ memory, activeJobs: [{ jobId: "j1", attempt: 1 }], appliedSettingsVersion: 3 });
    expect(hb.revokedJobs).toEqual(["j9"]);
    expect(seen.map((s) => [s.method, s.url, s.auth])).toEqual([
      ["POST", "/api/agent/v1/register", "Bearer enrol-secret"],
      ["POST", "/api/agent/v1/heartbeat", "Bearer node-secret"],
    ]);
    expect(seen[1]!.body).toEqual({ memory, activeJobs: [{ jobId: "j1", attempt: 1 }], appliedSettingsVersion: 3 });
  });

  it("claim: 204 is no job, 200 is a validated assignment", async () => {
    const c = new ControlClient({ baseUrl });
    answer = (_r, res) => res.writeHead(204).end();
    expect(await c.claim(100)).toBeNull();
    const assignment = { jobId: "j1", attempt: 2, fileName: "a.png", mimeType: "image/png", sizeBytes: 3, pages: 1, batchId: "b1", leaseExpiresAt: "2030-01-01T00:00:00Z", filePath: "/api/agent/v1/jobs/j1/file" };
    answer = (_r, res) => json(res, 200, assignment);
    expect(await c.claim(100)).toEqual(assignment);
    // A control plane from before batches sends no batchId: it reads as null.
    const { batchId: _, ...older } = assignment;
    answer = (_r, res) => json(res, 200, older);
    expect(await c.claim(100)).toEqual({ ...older, batchId: null });
    expect(seen[1]!.body).toEqual({ waitMs: 100 });
  });

  it("a response that breaks the protocol is an error, not undefined later", async () => {
    answer = (_r, res) => json(res, 200, { jobId: "j1" });
    await expect(new ControlClient({ baseUrl }).claim(0)).rejects.toMatchObject({ code: "INVALID_RESPONSE" });
  });

  it("fetches the job file from the control plane's origin only", async () => {
    answer = (_r, res) => res.writeHead(200, { "content-type": "application/octet-stream" }).end(Buffer.from([1, 2, 3]));
    const c = new ControlClient({ baseUrl });
    c.setToken("node-secret");
    expect([...(await c.fetchFile("/api/agent/v1/jobs/j1/file"))]).toEqual([1, 2, 3]);
    expect(seen[0]).toMatchObject({ method: "GET", url: "/api/agent/v1/jobs/j1/file", auth: "Bearer node-secret" });
    await expect(c.fetchFile("http://elsewhere.example/x")).rejects.toThrow(/another origin/);
    expect(seen).toHaveLength(1);
  });

  it("job reports: typed errors, LEASE_LOST recognised", async () => {
    answer = (_r, res) => json(res, 409, { error: { code: "LEASE_LOST", message: "job j1 is no longer leased to this node" } });
    const c = new ControlClient({ baseUrl });
    const err = await c.fail("j1", { attempt: 1, code: "TIMEOUT", message: "slow", memory: null }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ControlError);
    expect(err).toMatchObject({ status: 409, code: "LEASE_LOST" });
    expect(isLeaseLost(err)).toBe(true);
    expect(seen[0]).toMatchObject({ url: "/api/agent/v1/jobs/j1/fail", body: { attempt: 1, code: "TIMEOUT", message: "slow", memory: null } });

    answer = (_r, res) => res.writeHead(401).end("no");
    const unauth = await c.start("j1", { attempt: 1, memory }).catch((e: unknown) => e);
    expect(isUnauthenticated(unauth)).toBe(true);
    expect(isLeaseLost(unauth)).toBe(false);
  });

  it("rejects a malformed request before sending it", async () => {
    const c = new ControlClient({ baseUrl });
    // @ts-expect-error: a code outside the protocol's job error codes
    await expect(c.fail("j1", { attempt: 1, code: "NOPE", message: "", memory: null })).rejects.toThrow();
    expect(seen).toHaveLength(0);
  });

  it("an unreachable control plane is ControlUnreachableError", async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    await expect(new ControlClient({ baseUrl: `http://127.0.0.1:${port}` }).heartbeat({ memory, activeJobs: [], appliedSettingsVersion: null })).rejects.toBeInstanceOf(
      ControlUnreachableError,
    );
  });

  it("a hanging control plane times out; a caller's abort stops the long-poll", async () => {
    answer = () => {}; // never answers
    const c = new ControlClient({ baseUrl, requestTimeoutMs: 100 });
    await expect(c.events({ events: [] })).rejects.toThrow(/timed out/);
    const ac = new AbortController();
    const claim = c.claim(10_000, ac.signal);
    setTimeout(() => ac.abort(new Error("shutting down")), 50);
    await expect(claim).rejects.toThrow("shutting down");
  });
});
