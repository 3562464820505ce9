// Shapes shared by the workload maker, the driver and the orchestrator (scripts/gpu-host/fleet.ts).
// Plain types only: these modules are bundled for a bare `node` on GPU hosts, so no zod here.

export type TWorkloadKind = "receipt" | "scan4000x3000" | "a4-150dpi" | "pdf";

/** Each kind's file-name prefix: the report tells the kinds apart by the uploaded file's name alone. */
export const KIND_PREFIX: Record<TWorkloadKind, string> = { receipt: "receipt-", scan4000x3000: "scan-", "a4-150dpi": "a4-", pdf: "doc-" };

export function kindOfFileName(name: string): TWorkloadKind | null {
  return (Object.keys(KIND_PREFIX) as TWorkloadKind[]).find((k) => name.startsWith(KIND_PREFIX[k])) ?? null;
}

export type TWorkloadFile = {
  /** Absolute path in the returned workload; relative to the manifest's directory inside manifest.json. */
  path: string;
  name: string;
  kind: TWorkloadKind;
  pages: number;
  /** Pixel size of the image, or of each embedded page image for a PDF. */
  widthPx: number;
  heightPx: number;
  bytes: number;
};

export type TWorkload = { files: TWorkloadFile[]; pages: number };

/** Terminal job statuses of the REST API (apps/web/src/lib/job-status.ts), plus MISSING: the job vanished (404). */
export const TERMINAL_STATUSES: ReadonlySet<string> = new Set(["SUCCEEDED", "FAILED", "CANCELED", "MISSING"]);

export type TDriveJob = {
  id: string;
  name: string;
  kind: TWorkloadKind;
  pages: number;
  /** QUEUED, PLACED, RUNNING, SUCCEEDED, FAILED, CANCELED, or MISSING (404 on a direct look-up). */
  status: string;
  errorCode?: string;
  nodeName?: string;
  attempts?: number;
  /** The server's timestamps (ISO). */
  createdAt?: string;
  startedAt?: string;
  finishedAt?: string;
  /** When this driver first saw the job terminal (ISO, client clock). */
  seenTerminalAt?: string;
};

export type TUploadError = { name: string; status: number; body: string };

export type TDriveResult = {
  label: string;
  /** Just before the first upload (client clock). */
  startedAt: string;
  /** When polling saw the last job terminal, or when the timeout hit (client clock). */
  finishedAt: string;
  /** Max of the jobs' own finishedAt (server clock); null when no job finished. */
  serverFinishedAt: string | null;
  /** When the last upload returned (client clock). */
  uploadsDoneAt: string | null;
  timedOut: boolean;
  jobs: TDriveJob[];
  uploadErrors: TUploadError[];
  /** Pages offered (every file, uploaded or not). */
  pages: number;
  /** Pages of SUCCEEDED jobs. */
  pagesCompleted: number;
  /** finishedAt − startedAt, in s. */
  wallS: number;
  pagesPerS: number;
  /** serverFinishedAt − startedAt, in s: without the poll interval's slack (same-host clocks only). */
  serverWallS: number | null;
  statusCounts: Record<string, number>;
  /** Completed jobs and pages per node name. */
  byNode: Record<string, { jobs: number; pages: number }>;
};

export type TDriveProgress = { submitted: number; done: number; failed: number; total: number };
