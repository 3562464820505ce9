// Typed HTTP client for the agent protocol (/api/agent/v1). Requests and responses are both
// validated with the protocol's zod schemas, so a drift between agent and control plane fails
// loudly at the edge instead of as a confusing undefined deep in the agent.
import {
  ZAssignmentSchema,
  ZCompleteRequestSchema,
  ZCompleteResponseSchema,
  ZDeregisterResponseSchema,
  ZFailRequestSchema,
  ZHeartbeatRequestSchema,
  ZHeartbeatResponseSchema,
  ZNodeEventsRequestSchema,
  ZRefuseRequestSchema,
  ZRegisterRequestSchema,
  ZRegisterResponseSchema,
  ZSamplesRequestSchema,
  ZStartRequestSchema,
  type TAssignment,
  type TCompleteRequest,
  type TCompleteResponse,
  type TDeregisterResponse,
  type TFailRequest,
  type THeartbeatRequest,
  type THeartbeatResponse,
  type TNodeEventsRequest,
  type TRegisterRequest,
  type TRegisterResponse,
  type TSamplesRequest,
} from "@headroom/protocol";
import type { z } from "zod";

export const AGENT_BASE_PATH = "/api/agent/v1";

/** The control plane answered with an error status; `code` is its `{error:{code}}` when it sent one. */
export class ControlError extends Error {
  override readonly name = "ControlError";
  constructor(
    readonly status: number,
    readonly code: string | null,
    message: string,
  ) {
    super(message);
  }
}

/** No answer at all (refused, reset, DNS, timeout): the control plane may simply not be up yet. */
export class ControlUnreachableError extends Error {
  override readonly name = "ControlUnreachableError";
}

/** The job is no longer ours (409 LEASE_LOST, or 404: deleted). Drop it quietly. */
export const isLeaseLost = (e: unknown) => e instanceof ControlError && (e.code === "LEASE_LOST" || e.status === 409 || e.status === 404);
export const isUnauthenticated = (e: unknown) => e instanceof ControlError && e.status === 401;

export type TControlClientOptions = {
  /** e.g. http://127.0.0.1:3000; the agent API lives under /api/agent/v1 of it. */
  baseUrl: string;
  /** Per request, in ms; the claim long-poll gets its wait on top. */
  requestTimeoutMs?: number;
};

type TStartRequest = z.input<typeof ZStartRequestSchema>;
type TRefuseRequest = z.input<typeof ZRefuseRequestSchema>;

export class ControlClient {
  private token: string | null = null;
  private readonly apiBase: URL;
  private readonly timeoutMs: number;

  constructor(o: TControlClientOptions) {
    this.apiBase = new URL(`${o.baseUrl.replace(/\/+$/, "")}${AGENT_BASE_PATH}/`);
    this.timeoutMs = o.requestTimeoutMs ?? 10_000;
  }

  /** The node token from /register; every later call carries it. */
  setToken(token: string): void {
    this.token = token;
  }

  async register(body: TRegisterRequest, enrollToken: string): Promise<TRegisterResponse> {
    const res = await this.request("POST", "register", { body: ZRegisterRequestSchema.parse(body), bearer: enrollToken });
    return parseBody(ZRegisterResponseSchema, res, "register");
  }

  async heartbeat(body: THeartbeatRequest): Promise<THeartbeatResponse> {
    const res = await this.request("POST", "heartbeat", { body: ZHeartbeatRequestSchema.parse(body) });
    return parseBody(ZHeartbeatResponseSchema, res, "heartbeat");
  }

  /** Long-polls up to waitMs; null when no job came (204). */
  async claim(waitMs: number, signal?: AbortSignal): Promise<TAssignment | null> {
    const res = await this.request("POST", "claim", { body: { waitMs }, signal, extraTimeoutMs: waitMs });
    if (res.status === 204) return null;
    return parseBody(ZAssignmentSchema, res, "claim");
  }

  /** The job's file. filePath comes from the assignment; the node token is only ever sent to the control plane's own origin. */
  async fetchFile(filePath: string, signal?: AbortSignal): Promise<Buffer> {
    const url = new URL(filePath, this.apiBase);
    if (url.origin !== this.apiBase.origin) throw new ControlError(0, null, `refusing to fetch a job file from another origin: ${url.origin}`);
    const res = await this.request("GET", url, { signal, extraTimeoutMs: 60_000 });
    return Buffer.from(await res.arrayBuffer());
  }

  async start(jobId: string, body: TStartRequest): Promise<void> {
    return this.post(`jobs/${encodeURIComponent(jobId)}/start`, ZStartRequestSchema.parse(body));
  }
  async refuse(jobId: string, body: TRefuseRequest): Promise<void> {
    return this.post(`jobs/${encodeURIComponent(jobId)}/refuse`, ZRefuseRequestSchema.parse(body));
  }
  async complete(jobId: string, body: TCompleteRequest): Promise<TCompleteResponse> {
    const res = await this.request("POST", `jobs/${encodeURIComponent(jobId)}/complete`, { body: ZCompleteRequestSchema.parse(body) });
    // A 2xx is the completion delivered, whatever its body says: an answer without `samplesStored`
    // (an older control plane, or one that is not JSON) only means the samples go on their own.
    const parsed = ZCompleteResponseSchema.safeParse(await res.json().catch(() => undefined));
    return parsed.success ? parsed.data : {};
  }
  async fail(jobId: string, body: TFailRequest): Promise<void> {
    return this.post(`jobs/${encodeURIComponent(jobId)}/fail`, ZFailRequestSchema.parse(body));
  }
  async samples(body: TSamplesRequest): Promise<void> {
    return this.post("samples", ZSamplesRequestSchema.parse(body));
  }
  async events(body: TNodeEventsRequest): Promise<void> {
    return this.post("events", ZNodeEventsRequestSchema.parse(body));
  }

  /** Leaves the fleet (shutdown): the node goes offline and its jobs back to the queue; returns how many. */
  async deregister(): Promise<TDeregisterResponse> {
    const res = await this.request("POST", "deregister", { body: {} });
    return parseBody(ZDeregisterResponseSchema, res, "deregister");
  }

  private async post(path: string, body: unknown): Promise<void> {
    const res = await this.request("POST", path, { body });
    await res.body?.cancel(); // the answer's content is not needed; free the socket
  }

  private async request(
    method: "GET" | "POST",
    path: string | URL,
    o: { body?: unknown; bearer?: string; signal?: AbortSignal | undefined; extraTimeoutMs?: number } = {},
  ): Promise<Response> {
    const url = path instanceof URL ? path : new URL(path, this.apiBase);
    const bearer = o.bearer ?? this.token;
    const headers: Record<string, string> = { accept: "application/json" };
    if (bearer) headers.authorization = `Bearer ${bearer}`;
    if (o.body !== undefined) headers["content-type"] = "application/json";
    const timeout = AbortSignal.timeout(this.timeoutMs + (o.extraTimeoutMs ?? 0));
    const signal = o.signal ? AbortSignal.any([o.signal, timeout]) : timeout;
    let res: Response;
    try {
      res = await fetch(url, { method, headers, body: o.body === undefined ? undefined : JSON.stringify(o.body), signal });
    } catch (err) {
      if (o.signal?.aborted) throw o.signal.reason ?? err; // the caller stopped it: not an outage
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      const why = timeout.aborted ? "timed out" : (cause?.code ?? cause?.message ?? (err as Error).message);
      throw new ControlUnreachableError(`${method} ${url.pathname}: control plane unreachable (${why})`);
    }
    if (res.ok) return res;
    const text = await res.text().catch(() => "");
    let code: string | null = null;
    let message = text.slice(0, 300) || res.statusText;
    try {
      const parsed = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
      if (typeof parsed.error?.code === "string") code = parsed.error.code;
      if (typeof parsed.error?.message === "string") message = parsed.error.message;
    } catch {
      // not JSON: keep the text
    }
    throw new ControlError(res.status, code, `${method} ${url.pathname} → ${res.status}${code ? ` ${code}` : ""}: ${message}`);
  }
}

async function parseBody<S extends z.ZodType>(schema: S, res: Response, what: string): Promise<z.infer<S>> {
  const json: unknown = await res.json().catch(() => undefined);
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    throw new ControlError(res.status, "INVALID_RESPONSE", `${what}: the control plane's answer does not match the protocol: ${parsed.error.message.slice(0, 500)}`);
  }
  return parsed.data;
}
