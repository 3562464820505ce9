// A small in-memory control plane speaking the agent protocol over real HTTP, for the agent's
// tests only. It validates what the agent sends with the protocol schemas, like the real one.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import {
  DEFAULT_THRESHOLDS,
  ZCompleteRequestSchema,
  ZFailRequestSchema,
  ZHeartbeatRequestSchema,
  ZNodeEventsRequestSchema,
  ZRefuseRequestSchema,
  ZRegisterRequestSchema,
  ZSamplesRequestSchema,
  ZStartRequestSchema,
  type TAssignment,
  type THeartbeatRequest,
  type TNodeEventsRequest,
  type TReclaim,
  type TRegisterRequest,
  type TSamplesRequest,
  type TThresholds,
} from "@headroom/protocol";
import type { z } from "zod";

export type TReport = { kind: "start" | "refuse" | "complete" | "fail"; jobId: string; body: Record<string, unknown> };
/** A request an outage can hit: a heartbeat, a job's file, or one of its reports. */
export type TOutageKind = "heartbeat" | "file" | TReport["kind"];
/** 503 as a web replica answers without its database; reset as a killed replica's socket does. */
export type TOutageHow = "503" | "reset";

export class FakeControlPlane {
  readonly registrations: TRegisterRequest[] = [];
  readonly heartbeats: THeartbeatRequest[] = [];
  readonly reports: TReport[] = [];
  readonly events: TNodeEventsRequest["events"] = [];
  /** Every memory sample kept, whether it came through POST /samples or in a heartbeat (sampleAt). */
  readonly samples: TSamplesRequest["samples"] = [];
  /** Those that came through POST /samples. */
  readonly postedSamples: TSamplesRequest["samples"] = [];
  /**
   * Keeps the samples that ride a heartbeat (sampleAt) or a completion, and says so; false answers as
   * a control plane that predates both (which ignores them).
   */
  carriedSamples = true;
  readonly queue: { assignment: TAssignment; bytes: Buffer }[] = [];
  readonly files = new Map<string, Buffer>();
  /** The file paths agents fetched (GET), in order. */
  readonly fileFetches: string[] = [];
  readonly leaseLost = new Set<string>();
  /** Jobs whose start (POST /start) is answered LEASE_LOST, as for a job canceled while it ran. */
  readonly lostAtStart = new Set<string>();
  readonly revoked = new Set<string>();
  thresholds: TThresholds = { ...DEFAULT_THRESHOLDS };
  settingsVersion = 1;
  drained = false;
  /** How many times an agent deregistered (POST /deregister), and how many reports had come by then. */
  deregistered = 0;
  reportsAtDeregister: number | null = null;
  /** Sent in every heartbeat answer while set. */
  reclaim: TReclaim | null = null;
  /** Requests of a kind still to be failed (failNext), and how many were; reports so failed are not in `reports`. */
  readonly failed = new Map<TOutageKind, number>();
  private readonly outages = new Map<TOutageKind, { times: number; how: TOutageHow }>();
  private server: Server | null = null;
  private nextJob = 1;
  url = "";

  async listen(port = 0): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((r) => this.server!.listen(port, "127.0.0.1", r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  close(): Promise<void> {
    this.server?.closeAllConnections();
    return new Promise((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  /**
   * Queue a job whose file holds `content` (the scripted child's command); pages and batch as a claim
   * would carry them. `inline` puts the bytes in the claim's answer as the control plane does for a
   * small file ("cut": all but the last byte, as a damaged answer would).
   */
  enqueue(content: string, opts: { pages?: number; batchId?: string | null; mimeType?: string; inline?: "whole" | "cut" } = {}): string {
    const jobId = `job${this.nextJob++}`;
    const bytes = Buffer.from(content);
    const filePath = `/api/agent/v1/jobs/${jobId}/file`;
    this.files.set(filePath, bytes);
    this.queue.push({
      bytes,
      assignment: {
        jobId,
        attempt: 1,
        fileName: `${jobId}.png`,
        mimeType: opts.mimeType ?? "image/png",
        sizeBytes: bytes.length,
        pages: opts.pages ?? 1,
        batchId: opts.batchId ?? null,
        leaseExpiresAt: new Date(Date.now() + 60_000).toISOString(),
        filePath,
        ...(opts.inline ? { fileBase64: (opts.inline === "whole" ? bytes : bytes.subarray(0, -1)).toString("base64") } : {}),
      },
    });
    return jobId;
  }

  /** The next `times` requests of `kind` fail `how`, as during a control-plane restart. */
  failNext(kind: TOutageKind, times: number, how: TOutageHow = "503"): void {
    this.outages.set(kind, { times, how });
  }

  /** True when this request was failed by an outage (already answered or reset). */
  private outage(kind: TOutageKind, res: ServerResponse): boolean {
    const o = this.outages.get(kind);
    if (!o || o.times === 0) return false;
    o.times--;
    this.failed.set(kind, (this.failed.get(kind) ?? 0) + 1);
    if (o.how === "reset") res.socket?.destroy();
    else res.writeHead(503, { "content-type": "application/json" }).end(JSON.stringify({ error: { code: "UNAVAILABLE", message: "the database cannot be reached" } }));
    return true;
  }

  setThresholds(t: Partial<TThresholds>): void {
    this.thresholds = { ...this.thresholds, ...t };
    this.settingsVersion++;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body: unknown = chunks.length ? JSON.parse(Buffer.concat(chunks).toString()) : undefined;
    const url = req.url ?? "";
    const json = (status: number, b?: unknown): void => void res.writeHead(status, { "content-type": "application/json" }).end(b === undefined ? undefined : JSON.stringify(b));
    const parse = <S extends z.ZodType>(s: S): z.infer<S> => s.parse(body);
    try {
      if (url === "/api/agent/v1/register") {
        this.registrations.push(parse(ZRegisterRequestSchema));
        return json(200, { nodeId: "node-1", token: `tok${this.registrations.length}`, thresholds: this.thresholds, settingsVersion: this.settingsVersion });
      }
      if (req.headers.authorization !== `Bearer tok${this.registrations.length}`) return json(401, { error: { code: "UNAUTHENTICATED", message: "bad token" } });
      if (url === "/api/agent/v1/heartbeat") {
        if (this.outage("heartbeat", res)) return;
        const hb = parse(ZHeartbeatRequestSchema);
        this.heartbeats.push(hb);
        const answer = { thresholds: this.thresholds, settingsVersion: this.settingsVersion, drained: this.drained, revokedJobs: [...this.revoked], reclaim: this.reclaim };
        if (!this.carriedSamples) return json(200, answer);
        const m = hb.memory;
        if (hb.sampleAt) this.samples.push({ at: hb.sampleAt, usedMiB: m.usedMiB, totalMiB: m.totalMiB, processMiB: m.processMiB, utilPct: m.utilPct, jobId: null });
        return json(200, { ...answer, sampleStored: hb.sampleAt !== undefined });
      }
      if (url === "/api/agent/v1/claim") {
        const deadline = Date.now() + Math.min((body as { waitMs: number }).waitMs, 200);
        while (this.queue.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
        const next = this.queue.shift();
        return next ? json(200, next.assignment) : json(204);
      }
      if (url === "/api/agent/v1/deregister") {
        this.deregistered++;
        this.reportsAtDeregister = this.reports.length;
        return json(200, { requeued: 0 });
      }
      if (url === "/api/agent/v1/samples") {
        const { samples } = parse(ZSamplesRequestSchema);
        this.samples.push(...samples);
        this.postedSamples.push(...samples);
        return json(200, { ok: true });
      }
      if (url === "/api/agent/v1/events") return (this.events.push(...parse(ZNodeEventsRequestSchema).events), json(200, { ok: true }));
      const file = this.files.get(url);
      if (req.method === "GET" && file && this.outage("file", res)) return;
      if (req.method === "GET" && file) {
        this.fileFetches.push(url);
        return void res.writeHead(200, { "content-type": "application/octet-stream" }).end(file);
      }
      const m = /^\/api\/agent\/v1\/jobs\/([^/]+)\/(start|refuse|complete|fail)$/.exec(url);
      if (m) {
        const [, jobId, kind] = m as unknown as [string, string, TReport["kind"]];
        if (this.outage(kind, res)) return;
        const schema = { start: ZStartRequestSchema, refuse: ZRefuseRequestSchema, complete: ZCompleteRequestSchema, fail: ZFailRequestSchema }[kind];
        this.reports.push({ kind, jobId, body: schema.parse(body) as Record<string, unknown> });
        if (this.leaseLost.has(jobId) && (kind === "complete" || kind === "fail")) return json(409, { error: { code: "LEASE_LOST", message: "not yours" } });
        if (this.lostAtStart.has(jobId) && kind === "start") return json(409, { error: { code: "LEASE_LOST", message: "not yours" } });
        const carried = kind === "complete" && this.carriedSamples ? ((body as { samples?: TSamplesRequest["samples"] }).samples ?? []) : null;
        if (!carried) return json(200, { ok: true });
        this.samples.push(...carried);
        return json(200, { ok: true, samplesStored: carried.length });
      }
      json(404, { error: { code: "NOT_FOUND", message: url } });
    } catch (err) {
      json(400, { error: { code: "INVALID_INPUT", message: (err as Error).message } });
    }
  }
}
