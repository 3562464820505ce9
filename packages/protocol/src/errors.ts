// One set of error codes for the whole system. Clients see {error:{code,message}}; the HTTP
// status for each code is decided here once, so no route picks its own.
export const ERROR_CODES = {
  INVALID_INPUT: 400,
  UNSUPPORTED_MEDIA_TYPE: 415,
  FILE_TOO_LARGE: 413,
  TOO_MANY_PIXELS: 413,
  /** A PDF or multi-frame image with more pages than HEADROOM_MAX_PAGES. */
  TOO_MANY_PAGES: 413,
  EMPTY_FILE: 400,
  /** Compressed data (a PNG's chunks, a PDF's streams) that inflates far past what the file can need. */
  DECOMPRESSION_BOMB: 413,
  /** A PDF with scripts, launch actions, attachments or XFA forms: never needed to read a page. */
  ACTIVE_CONTENT: 415,
  /** A PDF that needs a password to open. */
  ENCRYPTED_PDF: 400,
  /** A file that is valid but takes longer than HEADROOM_DECODE_TIMEOUT_MS to check. */
  DECODE_TIMEOUT: 422,
  /** More files in one request than the per-request limit. */
  TOO_MANY_FILES: 413,
  /** A file name that is too long, has control or bidirectional override characters, or a path. */
  INVALID_FILE_NAME: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  /** The job's uploaded file and result were removed by the retention setting (fileRetentionDays). */
  FILE_EXPIRED: 410,
  RATE_LIMITED: 429,
  /** Back-pressure: more jobs wait in the queue than HEADROOM_MAX_QUEUED_JOBS; submit again after Retry-After. */
  QUEUE_FULL: 503,
  /** The request body did not arrive within the upload time limit (a client trickling its upload). */
  UPLOAD_TIMEOUT: 408,
  /** The upload store has no room left (disk full): nothing of the request was kept. */
  INSUFFICIENT_STORAGE: 507,
  /** The control plane cannot reach its database (restarting, failing over): nothing was done; try again after Retry-After. */
  UNAVAILABLE: 503,
  LEASE_LOST: 409,
  NO_HEADROOM: 503,
  GPU_OOM: 507,
  RUNNER_CRASHED: 500,
  TIMEOUT: 504,
  INTERNAL: 500,
} as const;

export type TErrorCode = keyof typeof ERROR_CODES;

export class AppError extends Error {
  readonly code: TErrorCode;
  constructor(code: TErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "AppError";
    this.code = code;
  }
  get httpStatus(): number {
    return ERROR_CODES[this.code];
  }
}

/** Codes an agent may report for a failed job; retryable ones go back to the queue. */
export const JOB_ERROR_CODES = ["INVALID_INPUT", "GPU_OOM", "RUNNER_CRASHED", "TIMEOUT", "INTERNAL"] as const;
export type TJobErrorCode = (typeof JOB_ERROR_CODES)[number];
export const NON_RETRYABLE_JOB_ERRORS: ReadonlySet<TJobErrorCode> = new Set(["INVALID_INPUT"]);
