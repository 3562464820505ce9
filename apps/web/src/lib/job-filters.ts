// The job history's filters, sort and page as one value, and its URL form. Safe for client
// components (no Prisma). The browser's /jobs URL and GET /api/v1/jobs take the same parameters:
//
//   page, pageSize, status, node (id), type (image|pdf), from, to (YYYY-MM-DD, UTC days, both
//   inclusive), q (words in the file name or recognised text), sort (created|duration|peak), dir
//
// The UI parses leniently (a bad value is dropped, so a hand-edited link still opens); the REST
// handler parses strictly and answers 400.
import { z } from "zod";
import { ZJobStatusSchema } from "./job-status";

export const JOBS_PAGE_SIZE = 25;
export const JOB_SORTS = ["created", "duration", "peak"] as const;
export const JOB_TYPES = ["image", "pdf"] as const;

const ZDaySchema = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "must be YYYY-MM-DD").refine((s) => Number.isFinite(Date.parse(`${s}T00:00:00Z`)), "not a date");

export const ZJobFiltersSchema = z.object({
  page: z.number().int().min(1).default(1),
  pageSize: z.number().int().min(1).max(100).default(JOBS_PAGE_SIZE),
  status: ZJobStatusSchema.optional(),
  nodeId: z.string().uuid().optional(),
  type: z.enum(JOB_TYPES).optional(),
  /** First UTC day included, YYYY-MM-DD. */
  from: ZDaySchema.optional(),
  /** Last UTC day included, YYYY-MM-DD. */
  to: ZDaySchema.optional(),
  /** Words in the file name or recognised text; also matches part of a file name. */
  q: z.string().trim().max(200).optional(),
  sort: z.enum(JOB_SORTS).default("created"),
  dir: z.enum(["asc", "desc"]).default("desc"),
});
export type TJobFilters = z.infer<typeof ZJobFiltersSchema>;
export type TJobFiltersInput = z.input<typeof ZJobFiltersSchema>;

/** URL parameter name for each field (`node` reads better in a link than `nodeId`). */
export const JOB_FILTER_PARAMS: Record<keyof TJobFilters, string> = {
  page: "page", pageSize: "pageSize", status: "status", nodeId: "node", type: "type", from: "from", to: "to", q: "q", sort: "sort", dir: "dir",
};
const NUMERIC = new Set<keyof TJobFilters>(["page", "pageSize"]);

type TParams = Pick<URLSearchParams, "get">;

/** The raw values from a URL, numbers as numbers, absent or empty ones left out. */
function rawFrom(params: TParams): Record<string, unknown> {
  const raw: Record<string, unknown> = {};
  for (const [key, name] of Object.entries(JOB_FILTER_PARAMS) as [keyof TJobFilters, string][]) {
    const v = params.get(name);
    if (v === null || v.trim() === "") continue;
    raw[key] = NUMERIC.has(key) ? Number(v) : v;
  }
  return raw;
}

/** Strict: a bad value is a ZodError (REST answers 400). */
export function parseJobFiltersStrict(params: TParams): TJobFilters {
  return ZJobFiltersSchema.parse(rawFrom(params));
}

/** Lenient: each bad value falls back to its default, so any link opens a sensible view. */
export function parseJobFilters(params: TParams): TJobFilters {
  const raw = rawFrom(params);
  const shape = ZJobFiltersSchema.shape;
  const kept: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (shape[key as keyof typeof shape].safeParse(value).success) kept[key] = value;
  }
  const out = ZJobFiltersSchema.parse(kept);
  if (out.q === "") delete out.q;
  return out;
}

const DEFAULTS = ZJobFiltersSchema.parse({});

/** The URL query for a view, defaults left out, in a fixed order so equal views give equal links. */
export function serializeJobFilters(f: Partial<TJobFilters>): URLSearchParams {
  const q = new URLSearchParams();
  for (const [key, name] of Object.entries(JOB_FILTER_PARAMS) as [keyof TJobFilters, string][]) {
    const v = f[key];
    if (v === undefined || v === null || v === "" || v === DEFAULTS[key]) continue;
    q.set(name, String(v));
  }
  return q;
}

export function jobsHref(f: Partial<TJobFilters>): string {
  const s = serializeJobFilters(f).toString();
  return s ? `/jobs?${s}` : "/jobs";
}

/** [from, to) as instants for a from/to day pair: `to` is inclusive, so the bound is the next midnight. */
export function dayRange(from: string | undefined, to: string | undefined): { gte?: Date; lt?: Date } {
  const DAY_MS = 86_400_000;
  return {
    gte: from ? new Date(`${from}T00:00:00Z`) : undefined,
    lt: to ? new Date(Date.parse(`${to}T00:00:00Z`) + DAY_MS) : undefined,
  };
}
