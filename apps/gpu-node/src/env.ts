// The agent's configuration, parsed once at start. Nothing else in the agent reads process.env:
// the runner child gets what it needs as an argument, so its behaviour is visible in one place.
import os from "node:os";
import { DEFAULT_START_REPORT_DELAY_MS, MAX_CONCURRENT_JOBS } from "@headroom/protocol";
import { z } from "zod";
// switches.ts, not ocr/index.ts: the agent process never loads onnxruntime.
import { OcrSwitchesError, ocrSwitchesFromEnv, type TOcrSwitches } from "./ocr/switches.ts";
import { RECLAIM_MIN_INTERVAL_MS } from "./rules/memory-rules.ts";

const ZIntFromString = z.coerce.number().int();

const ZRawEnvSchema = z.object({
  HEADROOM_CONTROL_URL: z.url().default("http://127.0.0.1:3000"),
  HEADROOM_ENROLL_TOKEN: z.string({ error: "is required (the fleet's enrolment token)" }).min(1, "must not be empty"),
  HEADROOM_NODE_NAME: z.string().min(1).max(100).optional(),
  /** Absent = a CPU node whose "device" is host memory. */
  HEADROOM_GPU_INDEX: ZIntFromString.min(0).optional(),
  HEADROOM_PROVIDERS: z.string().optional(),
  HEADROOM_CPU_BUDGET_MIB: ZIntFromString.positive().optional(),
  HEADROOM_OCR_THREADS: ZIntFromString.positive().optional(),
  HEADROOM_MODEL_MANIFEST: z.string().min(1).optional(),
  /** The runner child's entry module; only a bundled deployment (scripts/gpu-host) sets it. */
  HEADROOM_RUNNER_MODULE: z.string().min(1).optional(),
  /** PDF pages are rasterised at this resolution. */
  HEADROOM_PDF_DPI: ZIntFromString.min(36).max(600).default(150),
  /** The most pages (PDF pages, image frames) one job may have; the control plane uses the same name. */
  HEADROOM_MAX_PAGES: ZIntFromString.positive().default(50),
  /** Jobs in flight at once, each in its own runner child (agent/runner-slot.ts); 1 = one job at a time. */
  HEADROOM_RUNNER_SLOTS: ZIntFromString.min(1, "must be at least 1").max(8, "must be at most 8 (each slot holds its own model in device memory)").default(1),
  /**
   * Jobs in flight at once in each runner process, sharing its one copy of the model: while one job's
   * det or rec runs on the GPU, the others' CPU stages run (ocr/engine.ts). 1 = one job at a time.
   */
  HEADROOM_RUNNER_JOBS: ZIntFromString.min(1, "must be at least 1").max(16, "must be at most 16").default(1),
  /** Worker threads for line crops in each runner; absent = 4 (fewer on small hosts) where rec runs on a GPU, 0 on the CPU. */
  HEADROOM_OCR_CROP_WORKERS: ZIntFromString.min(0).max(32).optional(),
  /** The least time between a cleanup and a control-plane-requested reclaim (a runner recycle), in ms. */
  HEADROOM_RECLAIM_MIN_INTERVAL_MS: ZIntFromString.min(0).max(600_000).default(RECLAIM_MIN_INTERVAL_MS),
  /**
   * On SIGTERM: how long the jobs in flight may take to finish before they are handed back to the
   * queue, in ms. Keep it below the pod's terminationGracePeriodSeconds (deploy/kubernetes).
   */
  HEADROOM_SHUTDOWN_GRACE_MS: ZIntFromString.min(0).max(3_600_000).default(10_000),
  /**
   * A job's start is reported to the control plane once it has run this long, in ms; a job that ends
   * first carries its start in its completion (agent/start-report.ts). 0 = report every start at once.
   */
  HEADROOM_START_REPORT_DELAY_MS: ZIntFromString.min(0).max(600_000).default(DEFAULT_START_REPORT_DELAY_MS),
  LOG_LEVEL: z.enum(["trace", "debug", "info", "warn", "error", "fatal", "silent"]).default("info"),
});

export type TAgentEnv = {
  controlUrl: string;
  enrollToken: string;
  nodeName: string;
  hostname: string;
  gpuIndex: number | null;
  providers: string[];
  /** Memory budget of a CPU node, in MiB; unused on a GPU node. */
  cpuBudgetMiB: number;
  ocrThreads: number | undefined;
  modelManifestPath: string | undefined;
  runnerModulePath: string | undefined;
  pdfDpi: number;
  maxPages: number;
  /** Runner processes of this agent (1..8), each with its own copy of the model. */
  runnerSlots: number;
  /** Jobs in flight at once in each runner process (1..16); the agent runs runnerSlots × runnerJobs at once. */
  runnerJobs: number;
  /** Worker threads for line crops in each runner; undefined = the engine's choice by provider. */
  cropWorkers: number | undefined;
  reclaimMinIntervalMs: number;
  /** On SIGTERM, how long jobs in flight may run on before they are handed back, in ms. */
  shutdownGraceMs: number;
  /** How long a job runs before its start is reported on its own, in ms (0 = at once). */
  startReportDelayMs: number;
  /** The OCR engine's A/B switches (HEADROOM_OCR_INT8, HEADROOM_MODEL_CACHE, ...; ocr/switches.ts), for the runner child. */
  ocrSwitches: TOcrSwitches;
  logLevel: z.infer<typeof ZRawEnvSchema>["LOG_LEVEL"];
};

// The original service ran one model on one card; on a CPU node 8 GiB is a generous ceiling for a
// resident PP-OCR model, and never more than the host has.
const DEFAULT_CPU_BUDGET_MIB = 8192;

export function parseEnv(raw: Record<string, string | undefined>, host = { hostname: os.hostname(), totalMemMiB: Math.floor(os.totalmem() / 1048576) }): TAgentEnv {
  // Treat empty strings as unset, the way shells and .env files usually mean them.
  const cleaned = Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined && v !== ""));
  const parsed = ZRawEnvSchema.safeParse(cleaned);
  const issues = parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join(".") || "(env)"}: ${i.message}`);
  // The OCR switches have their own parser (benches use it too); its complaints join the rest.
  let ocrSwitches: TOcrSwitches | undefined;
  try {
    ocrSwitches = ocrSwitchesFromEnv(cleaned);
  } catch (err) {
    if (!(err instanceof OcrSwitchesError)) throw err;
    issues.push(...err.issues);
  }
  // The control plane would refuse the registration, and the agent would keep retrying it.
  if (parsed.success && parsed.data.HEADROOM_RUNNER_SLOTS * parsed.data.HEADROOM_RUNNER_JOBS > MAX_CONCURRENT_JOBS) {
    issues.push(`HEADROOM_RUNNER_SLOTS × HEADROOM_RUNNER_JOBS: must be at most ${MAX_CONCURRENT_JOBS} jobs in flight (got ${parsed.data.HEADROOM_RUNNER_SLOTS} × ${parsed.data.HEADROOM_RUNNER_JOBS})`);
  }
  if (!parsed.success || !ocrSwitches || issues.length > 0) throw new Error(`Invalid gpu-node configuration:\n${issues.map((i) => `  ${i}`).join("\n")}`);
  const e = parsed.data;
  const gpuIndex = e.HEADROOM_GPU_INDEX ?? null;
  const providers = (e.HEADROOM_PROVIDERS ?? (gpuIndex === null ? "cpu" : "cuda,webgpu,cpu"))
    .split(",")
    .map((p) => p.trim().toLowerCase())
    .filter(Boolean);
  if (providers.length === 0) throw new Error("Invalid gpu-node configuration:\n  HEADROOM_PROVIDERS: lists no provider");
  return {
    controlUrl: e.HEADROOM_CONTROL_URL.replace(/\/+$/, ""),
    enrollToken: e.HEADROOM_ENROLL_TOKEN,
    nodeName: e.HEADROOM_NODE_NAME ?? (gpuIndex === null ? `${host.hostname}-cpu` : `${host.hostname}-gpu${gpuIndex}`),
    hostname: host.hostname,
    gpuIndex,
    providers,
    cpuBudgetMiB: Math.min(e.HEADROOM_CPU_BUDGET_MIB ?? DEFAULT_CPU_BUDGET_MIB, host.totalMemMiB),
    ocrThreads: e.HEADROOM_OCR_THREADS,
    modelManifestPath: e.HEADROOM_MODEL_MANIFEST,
    runnerModulePath: e.HEADROOM_RUNNER_MODULE,
    pdfDpi: e.HEADROOM_PDF_DPI,
    maxPages: e.HEADROOM_MAX_PAGES,
    runnerSlots: e.HEADROOM_RUNNER_SLOTS,
    runnerJobs: e.HEADROOM_RUNNER_JOBS,
    cropWorkers: e.HEADROOM_OCR_CROP_WORKERS,
    reclaimMinIntervalMs: e.HEADROOM_RECLAIM_MIN_INTERVAL_MS,
    shutdownGraceMs: e.HEADROOM_SHUTDOWN_GRACE_MS,
    startReportDelayMs: e.HEADROOM_START_REPORT_DELAY_MS,
    ocrSwitches,
    logLevel: e.LOG_LEVEL,
  };
}

let cached: TAgentEnv | undefined;

/** The process's configuration; throws a readable error on the first call if it is invalid. */
export function env(): TAgentEnv {
  cached ??= parseEnv(process.env);
  return cached;
}
