// The public REST API, operation by operation, with the zod schemas its handlers parse and
// answer with. ./document turns this into OpenAPI 3.1; document.test.ts fails when a route under
// /api/v1 is missing here, or is here with other methods or path parameters than the code has.
import { ZOcrResultSchema } from "@headroom/protocol";
import { z } from "zod";
import { JOB_FILTER_PARAMS, ZJobFiltersSchema } from "@/lib/job-filters";
import { ZJobViewSchema } from "../jobs/job-view";
import { ZJobListOutputSchema } from "../jobs/list-jobs.types";
import { ZDrainInputSchema, ZDrainOutputSchema } from "../nodes/drain.types";
import { ZNodeListOutputSchema } from "../nodes/list-nodes.types";
import {
  ZAuditListInputSchema,
  ZAuditListOutputSchema,
  ZFleetSettingsPatchSchema,
  ZFleetSettingsSchema,
  ZNodeOverridePatchSchema,
  ZNodeSettingsSchema,
} from "../settings/settings.types";

export type TOperation = {
  method: "GET" | "POST" | "PUT" | "DELETE" | "PATCH";
  /** OpenAPI style: "/api/v1/jobs/{id}". */
  path: string;
  summary: string;
  /** Who may call it (the authorization matrix in docs/security.md checks it). */
  access: "public" | "signed-in" | "admin" | "owner-or-admin";
  /** Query parameters: a zod object, each key one parameter. */
  query?: z.ZodObject;
  /** Renames a query key to its URL name (`nodeId` → `node`). */
  queryNames?: Record<string, string>;
  body?: { json: z.ZodType } | { multipart: z.ZodType };
  /** Success answers by status: a JSON schema, or another content type's description. */
  responses: Record<number, { json: z.ZodType } | { content: string; description: string }>;
};

// What POST /api/v1/jobs reads (parse-upload.ts): file fields, and two optional text fields.
const ZUploadFormSchema = z.object({
  file: z.array(z.string().meta({ format: "binary" })).min(1).describe("One or more files (images or PDFs), each as a part named 'file'"),
  priority: z.coerce.number().int().min(-100).max(100).optional(),
  idempotencyKey: z.string().min(1).max(200).optional().describe("Or the Idempotency-Key header: a retried request gets the same jobs back"),
});
const ZCreatedJobsSchema = z.object({ jobs: z.array(z.object({ id: z.string(), status: z.string() })) });
const ZCancelOutputSchema = z.object({ outcome: z.enum(["canceled", "already_finished"]) });
const ZResultQuerySchema = z.object({ format: z.enum(["json", "txt", "md"]).default("json") });
const ZHealthSchema = z.object({
  status: z.enum(["ok", "degraded"]),
  database: z.enum(["ok", "unreachable"]),
  /** Whether the database has every migration this build ships ("unknown" where the build carries none to compare). */
  migrations: z.enum(["applied", "pending", "unknown"]),
  pending: z.array(z.string()).optional(),
});

export const OPERATIONS: TOperation[] = [
  { method: "GET", path: "/api/v1/openapi.json", summary: "This document", access: "public", responses: { 200: { content: "application/json", description: "OpenAPI 3.1" } } },
  {
    method: "GET",
    path: "/api/v1/jobs",
    summary: "List jobs: the /jobs page's filters, sort and paging",
    access: "signed-in",
    query: ZJobFiltersSchema,
    queryNames: JOB_FILTER_PARAMS,
    responses: { 200: { json: ZJobListOutputSchema } },
  },
  {
    method: "POST",
    path: "/api/v1/jobs",
    summary: "Submit files for OCR; each becomes a job",
    access: "signed-in",
    body: { multipart: ZUploadFormSchema },
    responses: { 201: { json: ZCreatedJobsSchema }, 200: { json: ZCreatedJobsSchema } },
  },
  { method: "GET", path: "/api/v1/jobs/{id}", summary: "One job: status, placement, memory, events and result", access: "signed-in", responses: { 200: { json: ZJobViewSchema } } },
  { method: "POST", path: "/api/v1/jobs/{id}/cancel", summary: "Cancel a job (its submitter or an admin)", access: "owner-or-admin", responses: { 200: { json: ZCancelOutputSchema } } },
  {
    method: "GET",
    path: "/api/v1/jobs/{id}/result",
    summary: "A succeeded job's result as JSON, plain text or Markdown (as a download)",
    access: "signed-in",
    query: ZResultQuerySchema,
    responses: { 200: { json: ZOcrResultSchema } },
  },
  {
    method: "GET",
    path: "/api/v1/jobs/{id}/pages/{n}/image",
    summary: "Page n (from 1) of a job's file as WebP, at most 1600 px a side",
    access: "signed-in",
    responses: { 200: { content: "image/webp", description: "The page" } },
  },
  { method: "GET", path: "/api/v1/nodes", summary: "The fleet: every node with its memory and jobs", access: "signed-in", responses: { 200: { json: ZNodeListOutputSchema } } },
  {
    method: "PUT",
    path: "/api/v1/nodes/{id}/drain",
    summary: "Drain a node (no new jobs; queued ones go elsewhere) or undrain it",
    access: "admin",
    body: { json: ZDrainInputSchema },
    responses: { 200: { json: ZDrainOutputSchema } },
  },
  { method: "GET", path: "/api/v1/nodes/{id}/settings", summary: "A node's threshold overrides and effective thresholds", access: "signed-in", responses: { 200: { json: ZNodeSettingsSchema } } },
  {
    method: "PUT",
    path: "/api/v1/nodes/{id}/settings",
    summary: "Change a node's overrides: a number sets one, null clears it (validated, audited)",
    access: "admin",
    body: { json: ZNodeOverridePatchSchema },
    responses: { 200: { json: ZNodeSettingsSchema } },
  },
  { method: "GET", path: "/api/v1/settings", summary: "The fleet's thresholds", access: "signed-in", responses: { 200: { json: ZFleetSettingsSchema } } },
  {
    method: "PUT",
    path: "/api/v1/settings",
    summary: "Change some fleet thresholds (validated, audited)",
    access: "admin",
    body: { json: ZFleetSettingsPatchSchema },
    responses: { 200: { json: ZFleetSettingsSchema } },
  },
  { method: "GET", path: "/api/v1/settings/audit", summary: "Threshold changes, newest first", access: "signed-in", query: ZAuditListInputSchema, responses: { 200: { json: ZAuditListOutputSchema } } },
  { method: "GET", path: "/api/health", summary: "Readiness: 503 when the database does not answer or lacks a migration this build ships", access: "public", responses: { 200: { json: ZHealthSchema } } },
];
