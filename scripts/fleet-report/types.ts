// What a fleet benchmark writes: one dump of the database per phase, wrapped with the host it ran
// on. Plain JSON (ISO dates, numbers) so it bundles for a bare `node` and survives gzip + JSON.parse.

/** Threshold columns by name (FleetSettings / NodeSettingsOverride), whatever the schema holds today. */
export type TThresholdValues = Record<string, number>;

export type TDumpNode = {
  name: string;
  kind: string;
  gpuIndex: number | null;
  gpuName: string | null;
  provider: string | null;
  model: string | null;
  totalMiB: number;
  /** Thresholds in force on this node when the window was exported: fleet values, node overrides on top. */
  thresholds: TThresholdValues;
};

export type TDumpJob = {
  id: string;
  fileName: string;
  pages: number;
  widthPx: number | null;
  heightPx: number | null;
  status: string;
  errorCode: string | null;
  /** Why the scheduler could not place it, when it was still waiting at export time. */
  unschedulableReason: string | null;
  nodeName: string | null;
  attempt: number;
  predictedPeakMiB: number | null;
  observedPeakMiB: number | null;
  memBeforeMiB: number | null;
  memAfterMiB: number | null;
  /** Stage times from the agent, ms: decode, detect, crop, classify, recognize, post, totalMs. */
  timings: Record<string, number> | null;
  createdAt: string;
  placedAt: string | null;
  startedAt: string | null;
  finishedAt: string | null;
};

export type TDumpJobEvent = {
  jobId: string;
  /** placed, refused, started, retried, completed, failed, lease_expired, unplaced, canceled */
  type: string;
  nodeName: string | null;
  attempt: number;
  /** For `placed`: the placement record (reason, predictedPeakMiB, chosen {headroomMiB, …}, candidates, rejectedCounts). */
  data: unknown;
  createdAt: string;
};

export type TDumpNodeEvent = {
  /** cleanup, sweep, refusal, oom, runner_restart, registered, online, offline, settings_applied, … */
  type: string;
  nodeName: string;
  beforeMiB: number | null;
  afterMiB: number | null;
  freedMiB: number | null;
  data: unknown;
  createdAt: string;
};

export type TDumpSample = { nodeName: string; at: string; usedMiB: number; totalMiB: number; processMiB: number | null };

export type TDumpSettingsChange = { scope: string; actorLabel: string; changes: unknown; createdAt: string };

export type TPhaseDump = {
  label: string;
  since: string;
  until: string;
  exportedAt: string;
  nodes: TDumpNode[];
  jobs: TDumpJob[];
  jobEvents: TDumpJobEvent[];
  nodeEvents: TDumpNodeEvent[];
  samples: TDumpSample[];
  /** Samples in the window before downsampling, and how many were merged into each kept one (1 = all kept). */
  samplesInWindow: number;
  samplesStride: number;
  thresholds: {
    fleet: TThresholdValues | null;
    /** Per node name: only the fields the node overrides. */
    overrides: Record<string, TThresholdValues>;
    /** Settings audit rows in the window: thresholds changed while the phase ran. */
    changes: TDumpSettingsChange[];
  };
};

/** The file the orchestrator writes per run (gzipped JSON, `.json.gz`). */
export type TFleetRun = {
  host: { name: string; gpus: { index: number; name: string; totalMiB: number; bus?: string }[]; cpuCores: number; driver?: string; date: string };
  command: string;
  phases: (TPhaseDump & { config: Record<string, unknown>; drive?: unknown })[];
};
