// The expected rule for every endpoint, and how the matrix calls it. The test compares this table
// with the endpoints found in the code (./endpoints): a route, method or procedure without an entry
// here fails it, and so does an entry for something that no longer exists.
import type { TRule } from "./callers";

/** What the test built for one endpoint's row: fresh credentials, and a job on node A submitted by the viewer session's user. */
export type TWorld = {
  jobId: string;
  nodeAId: string;
  viewerEmail: string;
  viewerPassword: string;
  /** A small PNG, for uploads. */
  png: Buffer;
};

export type TJobState = "RUNNING" | "SUCCEEDED";

export type TRestRecipe = {
  rule: TRule;
  /** The state of the world's job on node A for this row (default RUNNING). */
  job?: TJobState;
  params?: (w: TWorld) => Record<string, string>;
  query?: string;
  /** A JSON body, or a FormData for multipart. */
  body?: (w: TWorld) => unknown;
};

export type TTrpcRecipe = { rule: TRule; job?: TJobState; input?: (w: TWorld) => unknown };

const memory = { usedMiB: 1000, totalMiB: 16000, freeMiB: 15000, processMiB: null, utilPct: null, source: "host" };
const jobParams = (w: TWorld) => ({ id: w.jobId });
const nodeParams = (w: TWorld) => ({ id: w.nodeAId });
const upload = (w: TWorld) => {
  const form = new FormData();
  form.append("file", new Blob([new Uint8Array(w.png)], { type: "image/png" }), "matrix.png");
  return form;
};

/** The tRPC route itself is not a row: each procedure behind it is. */
export const TRPC_ROUTE = "/api/trpc/[trpc]";

export const REST_RULES: Record<string, TRestRecipe> = {
  "GET /api/health": { rule: "public" },
  "GET /metrics": { rule: "public" },
  "POST /api/auth/login": { rule: "public", body: (w) => ({ email: w.viewerEmail, password: w.viewerPassword }) },
  "POST /api/auth/logout": { rule: "public" },

  "POST /api/agent/v1/register": {
    rule: "enrol",
    body: () => ({ name: "matrix-registered", hostname: "h", kind: "CPU", gpuIndex: null, gpuName: null, provider: "cpu", providerNotes: [], agentVersion: "test", memory }),
  },
  "POST /api/agent/v1/heartbeat": { rule: "node", body: () => ({ memory, activeJobs: [], appliedSettingsVersion: null }) },
  "POST /api/agent/v1/claim": { rule: "node", body: () => ({ waitMs: 0 }) },
  "POST /api/agent/v1/deregister": { rule: "node" },
  "POST /api/agent/v1/samples": { rule: "node", body: () => ({ samples: [] }) },
  "POST /api/agent/v1/events": { rule: "node", body: () => ({ events: [] }) },
  "GET /api/agent/v1/jobs/[id]/file": { rule: "node-job", params: jobParams },
  "POST /api/agent/v1/jobs/[id]/start": { rule: "node-job", params: jobParams, body: () => ({ attempt: 1, memory }) },
  "POST /api/agent/v1/jobs/[id]/refuse": { rule: "node-job", params: jobParams, body: () => ({ attempt: 1, reason: "matrix", memory }) },
  "POST /api/agent/v1/jobs/[id]/complete": {
    rule: "node-job",
    params: jobParams,
    body: () => ({
      attempt: 1,
      result: { pages: [], text: "", model: "m", provider: "cpu", timingsMs: {} },
      memory: { beforeMiB: 1, afterMiB: 1, peakMiB: 1 },
      durationMs: 1,
    }),
  },
  "POST /api/agent/v1/jobs/[id]/fail": { rule: "node-job", params: jobParams, body: () => ({ attempt: 1, code: "INTERNAL", message: "matrix", memory: null }) },

  "GET /api/v1/jobs": { rule: "signed-in" },
  "POST /api/v1/jobs": { rule: "signed-in", body: upload },
  "GET /api/v1/jobs/[id]": { rule: "signed-in", params: jobParams },
  "POST /api/v1/jobs/[id]/cancel": { rule: "owner-or-admin", params: jobParams },
  "GET /api/v1/jobs/[id]/result": { rule: "signed-in", job: "SUCCEEDED", params: jobParams, query: "?format=txt" },
  "GET /api/v1/jobs/[id]/pages/[n]/image": { rule: "signed-in", params: (w) => ({ id: w.jobId, n: "1" }) },
  "GET /api/v1/nodes": { rule: "signed-in" },
  "PUT /api/v1/nodes/[id]/drain": { rule: "admin", params: nodeParams, body: () => ({ drained: true }) },
  "GET /api/v1/nodes/[id]/settings": { rule: "signed-in", params: nodeParams },
  "PUT /api/v1/nodes/[id]/settings": { rule: "admin", params: nodeParams, body: () => ({ cleanupAbovePct: null }) },
  "GET /api/v1/settings": { rule: "signed-in" },
  "PUT /api/v1/settings": { rule: "admin", body: () => ({}) },
  "GET /api/v1/settings/audit": { rule: "signed-in" },
  "GET /api/v1/openapi.json": { rule: "public" },
};

const MISSING = "00000000-0000-4000-8000-00000000dead";

export const TRPC_RULES: Record<string, TTrpcRecipe> = {
  "job.list": { rule: "signed-in", input: () => ({}) },
  "job.byId": { rule: "signed-in", input: (w) => ({ id: w.jobId }) },
  "job.memory": { rule: "signed-in", input: (w) => ({ id: w.jobId }) },
  "job.cancel": { rule: "owner-or-admin", input: (w) => ({ id: w.jobId }) },
  "node.list": { rule: "signed-in" },
  "node.memory": { rule: "signed-in", input: (w) => ({ nodeId: w.nodeAId, range: "1h" }) },
  "node.setDrained": { rule: "admin", input: (w) => ({ id: w.nodeAId, drained: true }) },
  "settings.get": { rule: "signed-in" },
  "settings.update": { rule: "admin", input: () => ({ changes: {} }) },
  "settings.nodeOverride.get": { rule: "signed-in", input: (w) => ({ nodeId: w.nodeAId }) },
  "settings.nodeOverride.update": { rule: "admin", input: (w) => ({ nodeId: w.nodeAId, changes: { cleanupAbovePct: null } }) },
  "settings.audit.list": { rule: "signed-in", input: () => ({ limit: 5 }) },
  "settings.retention.get": { rule: "signed-in" },
  "settings.retention.update": { rule: "admin", input: () => ({ changes: {} }) },
  "apiKey.list": { rule: "admin" },
  "apiKey.create": { rule: "admin", input: () => ({ name: "matrix", role: "VIEWER" }) },
  "apiKey.revoke": { rule: "admin", input: () => ({ id: MISSING }) },
  "user.list": { rule: "admin" },
  "user.create": { rule: "admin", input: () => ({ email: "matrix-new@example.test", name: "New", password: "long enough pass", role: "VIEWER" }) },
  "user.setRole": { rule: "admin", input: () => ({ id: MISSING, role: "ADMIN" }) },
  "user.remove": { rule: "admin", input: () => ({ id: MISSING }) },
};
