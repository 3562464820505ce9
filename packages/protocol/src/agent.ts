// The agent protocol: HTTP + JSON between a node agent and the control plane, under /api/agent/v1.
// Every call but register carries `Authorization: Bearer <node token>`. Agents never touch the database.
import { z } from "zod";
import { JOB_ERROR_CODES } from "./errors.ts";
import { ZOcrResultSchema } from "./ocr.ts";
import { ZThresholdsSchema } from "./thresholds.ts";

export const ZMemoryReadingSchema = z.object({
  usedMiB: z.number().int().min(0),
  totalMiB: z.number().int().positive(),
  freeMiB: z.number().int().min(0),
  /** The runner process's own MiB (GPU per-process list, or RSS on a CPU node). */
  processMiB: z.number().int().min(0).nullable(),
  utilPct: z.number().min(0).max(100).nullable(),
  /** Where the numbers came from: "nvml", "nvidia-smi", "host". */
  source: z.string(),
});
export type TMemoryReading = z.infer<typeof ZMemoryReadingSchema>;

/** POST /register, authorised by the fleet's enrolment token. Same name again = same node, new token. */
/** The most jobs one agent may keep in flight: its runner slots × the jobs in each runner. */
export const MAX_CONCURRENT_JOBS = 32;

export const ZRegisterRequestSchema = z.object({
  name: z.string().min(1).max(100),
  hostname: z.string().min(1).max(255),
  kind: z.enum(["GPU", "CPU"]),
  gpuIndex: z.number().int().min(0).nullable(),
  gpuName: z.string().nullable(),
  provider: z.string(),
  /** The OCR model the runner loaded (its manifest name); optional for older agents. */
  model: z.string().max(100).optional(),
  providerNotes: z.array(z.object({ provider: z.string(), ok: z.boolean(), reason: z.string().optional() })),
  agentVersion: z.string(),
  memory: ZMemoryReadingSchema,
  /**
   * Jobs the agent runs at once (HEADROOM_RUNNER_SLOTS × HEADROOM_RUNNER_JOBS). Optional both ways: an
   * older agent leaves it out and runs one at a time, which is what the control plane then assumes.
   */
  maxConcurrent: z.number().int().min(1).max(MAX_CONCURRENT_JOBS).optional(),
});
export type TRegisterRequest = z.infer<typeof ZRegisterRequestSchema>;
/**
 * Thresholds as a control plane sends them. One that predates a threshold leaves it out; the agent
 * then uses the old behaviour (here: no memory budget) rather than refusing to register, so agents
 * and control planes can be upgraded in either order.
 */
export const ZSentThresholdsSchema = ZThresholdsSchema.extend({ memoryBudgetMiB: ZThresholdsSchema.shape.memoryBudgetMiB.default(0) });

export const ZRegisterResponseSchema = z.object({ nodeId: z.string(), token: z.string(), thresholds: ZSentThresholdsSchema, settingsVersion: z.number().int() });
export type TRegisterResponse = z.infer<typeof ZRegisterResponseSchema>;

/** POST /heartbeat: the live reading in; thresholds in force and commands out. Renews the leases of `activeJobs`. */
export const ZHeartbeatRequestSchema = z.object({
  memory: ZMemoryReadingSchema,
  activeJobs: z.array(z.object({ jobId: z.string(), attempt: z.number().int() })),
  appliedSettingsVersion: z.number().int().nullable(),
  /**
   * When the reading was taken, sent by an idle agent: the control plane also keeps the reading as the
   * node's memory sample (no job) in the heartbeat's own statement, so an idle fleet sends one request
   * every 2 s, not a heartbeat and a sample flush. Optional both ways: an older agent sends its idle
   * sample through POST /samples, and an agent told nothing back (`sampleStored`) does so too.
   */
  sampleAt: z.string().max(64).optional(),
});
export type THeartbeatRequest = z.infer<typeof ZHeartbeatRequestSchema>;
/**
 * Work is waiting for headroom this idle node could free: a queued job needs `neededMiB` and would
 * fit here once the runner gives back what it has grown. The agent recycles its runner if it is idle
 * and has not cleaned up in the last few seconds.
 */
export const ZReclaimSchema = z.object({ reason: z.string().max(500), neededMiB: z.number().int().min(0) });
export type TReclaim = z.infer<typeof ZReclaimSchema>;
export const ZHeartbeatResponseSchema = z.object({
  thresholds: ZSentThresholdsSchema,
  settingsVersion: z.number().int(),
  drained: z.boolean(),
  /** Jobs whose lease this node no longer holds (canceled, expired): stop working on them. */
  revokedJobs: z.array(z.string()),
  /** Optional both ways: older control planes never send it, and older agents ignore it. */
  reclaim: ZReclaimSchema.nullable().optional(),
  /** The reading was kept as a memory sample (the request's `sampleAt`). Older control planes never send it. */
  sampleStored: z.boolean().optional(),
});
export type THeartbeatResponse = z.infer<typeof ZHeartbeatResponseSchema>;

/** POST /claim: long-polls up to waitMs for a job placed on this node. 204 when none came. */
export const ZClaimRequestSchema = z.object({ waitMs: z.number().int().min(0).max(30_000) });
export const ZAssignmentSchema = z.object({
  jobId: z.string(),
  attempt: z.number().int(),
  fileName: z.string(),
  mimeType: z.string(),
  sizeBytes: z.number().int(),
  /** Pages of a PDF or frames of a multi-frame image; 1 for a plain image. */
  pages: z.number().int(),
  /**
   * The upload the job came from when it had several files (jobs of one batch share it); null for a
   * single-file upload. The agent counts a batch's images for its batch cleanup rule.
   */
  batchId: z.string().nullable().default(null),
  leaseExpiresAt: z.string(),
  /** GET this path (with the node token) for the file's bytes. */
  filePath: z.string(),
  /**
   * The file's bytes, base64, when the file is small enough to ride the claim's answer
   * (HEADROOM_CLAIM_FILE_MAX_BYTES): one request fewer per job. Absent, the agent GETs filePath.
   * Older control planes never send it, and older agents ignore it.
   */
  fileBase64: z.string().optional(),
});
export type TAssignment = z.infer<typeof ZAssignmentSchema>;

export const ZJobAttemptSchema = z.object({ attempt: z.number().int() });

/**
 * POST /deregister: a stopping agent leaves the fleet at once instead of after the offline timeout.
 * The node goes OFFLINE and every job it still holds goes back to the queue without using an attempt.
 */
export const ZDeregisterResponseSchema = z.object({ requeued: z.number().int().min(0) });
export type TDeregisterResponse = z.infer<typeof ZDeregisterResponseSchema>;

/** HEADROOM_START_REPORT_DELAY_MS's default: most image jobs end within it, and send no POST /start. */
export const DEFAULT_START_REPORT_DELAY_MS = 1_000;

/**
 * How long before a report its job started running. An agent reports a job's start (POST /start) only
 * once the job has run for HEADROOM_START_REPORT_DELAY_MS; a job that ends first sends none, and its
 * completion or failure carries this instead, so most jobs cost one request fewer. The control plane
 * dates the start (startedAt, the "started" event) from it, and writes it once per attempt. Older
 * control planes ignore it (then a start it dates is the report's arrival, and a carried one is
 * lost); older agents send no such field and always POST /start.
 */
const ZStartedMsAgoSchema = z.object({ startedMsAgo: z.number().int().min(0).max(7 * 24 * 3_600_000).optional() });

/** POST /jobs/:id/start */
export const ZStartRequestSchema = ZJobAttemptSchema.extend(ZStartedMsAgoSchema.shape).extend({ memory: ZMemoryReadingSchema });

/** POST /jobs/:id/refuse: admission said no on the live reading; the job is placed elsewhere without using an attempt. */
export const ZRefuseRequestSchema = ZJobAttemptSchema.extend({ reason: z.string(), memory: ZMemoryReadingSchema });

export const ZJobMemorySchema = z.object({
  beforeMiB: z.number().int(),
  afterMiB: z.number().int(),
  peakMiB: z.number().int(),
});

/** Memory samples for the node's history, at most 5,000 a request (POST /samples, or a completion's). */
export const ZMemorySamplesSchema = z
  .array(
    z.object({
      at: z.string(),
      usedMiB: z.number().int(),
      totalMiB: z.number().int(),
      processMiB: z.number().int().nullable(),
      utilPct: z.number().nullable(),
      jobId: z.string().nullable(),
    }),
  )
  .max(5000);
export type TMemorySample = z.infer<typeof ZMemorySamplesSchema>[number];

/** POST /jobs/:id/complete */
export const ZCompleteRequestSchema = ZJobAttemptSchema.extend(ZStartedMsAgoSchema.shape).extend({
  result: ZOcrResultSchema,
  memory: ZJobMemorySchema,
  durationMs: z.number(),
  /**
   * The memory samples the agent holds (the job's last ones, and any other slot's), kept in the
   * completion's own statement when it succeeds, so a finished job costs no sample flush of its own.
   * Optional both ways: an agent told nothing back (`samplesStored`) sends them through POST /samples.
   */
  samples: ZMemorySamplesSchema.optional(),
});
export type TCompleteRequest = z.infer<typeof ZCompleteRequestSchema>;
/** The answer to POST /jobs/:id/complete. Older control planes answer `{ ok: true }` alone. */
export const ZCompleteResponseSchema = z.object({ samplesStored: z.number().int().min(0).optional() });
export type TCompleteResponse = z.infer<typeof ZCompleteResponseSchema>;

/** POST /jobs/:id/fail */
export const ZFailRequestSchema = ZJobAttemptSchema.extend(ZStartedMsAgoSchema.shape).extend({
  code: z.enum(JOB_ERROR_CODES),
  message: z.string().max(2000),
  memory: ZJobMemorySchema.nullable(),
});
export type TFailRequest = z.infer<typeof ZFailRequestSchema>;

/** POST /samples: memory samples (250 ms or faster during a job) for the node's history. */
export const ZSamplesRequestSchema = z.object({ samples: ZMemorySamplesSchema });
export type TSamplesRequest = z.infer<typeof ZSamplesRequestSchema>;

/** POST /events: node events (cleanup, sweep, refusal, oom, runner_restart, settings_applied). */
export const ZNodeEventsRequestSchema = z.object({
  events: z
    .array(
      z.object({
        type: z.string().min(1).max(50),
        at: z.string(),
        beforeMiB: z.number().int().nullable(),
        afterMiB: z.number().int().nullable(),
        data: z.record(z.string(), z.unknown()).nullable(),
      }),
    )
    .max(1000),
});
export type TNodeEventsRequest = z.infer<typeof ZNodeEventsRequestSchema>;
