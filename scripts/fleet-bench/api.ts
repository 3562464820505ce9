// Small typed calls to Headroom's REST API (apps/web/src/app/api/v1), for the driver and the
// orchestrator. Node's fetch only, so the bundle runs on a bare `node`.
import type { TThresholds } from "@headroom/protocol";

export type { TThresholds };

/** A non-2xx answer; `code` and the message come from the API's `{error:{code,message}}` body. */
export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string | null, message: string, readonly body: string) {
    super(message);
    this.name = "ApiError";
  }
}

/** "PUT /api/v1/settings → 400 INVALID_INPUT: …"; falls back to the raw body when it is not the API's error JSON. */
export function apiErrorFrom(what: string, status: number, body: string): ApiError {
  let code: string | null = null;
  let message = body.slice(0, 500);
  try {
    const parsed = JSON.parse(body) as { error?: { code?: unknown; message?: unknown } };
    if (parsed.error && typeof parsed.error.code === "string") {
      code = parsed.error.code;
      message = typeof parsed.error.message === "string" ? parsed.error.message : "";
    }
  } catch {
    // Not JSON (a proxy's error page, an empty body): keep the text.
  }
  return new ApiError(status, code, `${what} → ${status}${code ? ` ${code}` : ""}: ${message}`, body);
}

export type TRequestOptions = { method?: string; body?: unknown; timeoutMs?: number };

/** JSON in, JSON out; throws ApiError on a non-2xx answer. */
export async function apiJson<T>(baseUrl: string, apiKey: string, urlPath: string, o: TRequestOptions = {}): Promise<T> {
  const method = o.method ?? "GET";
  const headers: Record<string, string> = { authorization: `Bearer ${apiKey}`, accept: "application/json" };
  if (o.body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(new URL(urlPath, baseUrl), {
    method,
    headers,
    body: o.body === undefined ? undefined : JSON.stringify(o.body),
    signal: AbortSignal.timeout(o.timeoutMs ?? 30_000),
  });
  const text = await res.text();
  if (!res.ok) throw apiErrorFrom(`${method} ${urlPath}`, res.status, text);
  return JSON.parse(text) as T;
}

/** The fields of GET /api/v1/nodes the benchmark uses (apps/web/src/server/nodes/list-nodes.types.ts has them all). */
export type TNode = {
  id: string;
  name: string;
  hostname: string;
  kind: "GPU" | "CPU";
  gpuName: string | null;
  gpuIndex: number | null;
  state: "online" | "offline" | "drained";
  provider: string | null;
  memory: { totalMiB: number; usedMiB: number; freeMiB: number; processMiB: number | null; utilPct: number | null; usedPct: number | null };
  jobsInFlight: number;
  maxConcurrent: number;
  heartbeatAgeMs: number | null;
  thresholds: TThresholds;
  [more: string]: unknown;
};


export type TFleetSettings = { thresholds: TThresholds; version: number | null };

export async function listNodes(baseUrl: string, apiKey: string): Promise<TNode[]> {
  return (await apiJson<{ nodes: TNode[] }>(baseUrl, apiKey, "/api/v1/nodes")).nodes;
}

/** Admin. A drained node takes no new work; the API requeues what was waiting on it. */
export async function setDrained(baseUrl: string, apiKey: string, nodeId: string, drained: boolean): Promise<{ drained: boolean; requeued?: number }> {
  return apiJson(baseUrl, apiKey, `/api/v1/nodes/${encodeURIComponent(nodeId)}/drain`, { method: "PUT", body: { drained } });
}

export async function getSettings(baseUrl: string, apiKey: string): Promise<TFleetSettings> {
  return apiJson(baseUrl, apiKey, "/api/v1/settings");
}

/** Admin. Unknown fields and out-of-range or out-of-order values are refused (400); every change is audited. */
export async function putSettings(baseUrl: string, apiKey: string, patch: Partial<TThresholds>): Promise<TFleetSettings> {
  return apiJson(baseUrl, apiKey, "/api/v1/settings", { method: "PUT", body: patch });
}

/** Admin or the submitter. A job that already finished stays as it was ({outcome: "already_finished"}). */
export async function cancelJob(baseUrl: string, apiKey: string, jobId: string): Promise<{ outcome: "canceled" | "already_finished" }> {
  return apiJson(baseUrl, apiKey, `/api/v1/jobs/${encodeURIComponent(jobId)}/cancel`, { method: "POST" });
}
