// One file → POST /api/v1/jobs as multipart field `file`. XMLHttpRequest rather than fetch
// because only XHR reports upload progress.

export type TCreatedJob = { id: string; status: string };
/** `retryAfterMs`: the server was busy (429, 503) and said when to come back. */
export type TUploadOutcome = { ok: true; jobs: TCreatedJob[] } | { ok: false; message: string; aborted?: boolean; retryAfterMs?: number };

/** How often a file is sent again after a busy answer, and the longest wait accepted before each try. */
const UPLOAD_RETRIES = 5;
const LONGEST_WAIT_MS = 30_000;

export function uploadFile(file: File, onProgress: (fraction: number) => void): { done: Promise<TUploadOutcome>; abort: () => void } {
  const xhr = new XMLHttpRequest();
  const done = new Promise<TUploadOutcome>((resolve) => {
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable && e.total > 0) onProgress(e.loaded / e.total);
    };
    xhr.onload = () => resolve(readAnswer(xhr));
    xhr.onerror = () => resolve({ ok: false, message: "Network error: the upload did not reach the server" });
    xhr.onabort = () => resolve({ ok: false, message: "Upload canceled", aborted: true });
    xhr.open("POST", "/api/v1/jobs");
    xhr.responseType = "text";
    xhr.setRequestHeader("accept", "application/json");
    const body = new FormData();
    body.append("file", file, file.name);
    xhr.send(body);
  });
  return { done, abort: () => xhr.abort() };
}

function readAnswer(xhr: XMLHttpRequest): TUploadOutcome {
  let body: unknown = null;
  try {
    body = JSON.parse(xhr.responseText);
  } catch {
    // Not JSON (a proxy's error page, say): fall through to the status line.
  }
  if (xhr.status >= 200 && xhr.status < 300) {
    const jobs = (body as { jobs?: unknown } | null)?.jobs;
    if (Array.isArray(jobs) && jobs.every((j) => typeof j?.id === "string")) return { ok: true, jobs: jobs as TCreatedJob[] };
    return { ok: false, message: "The server accepted the file but did not say which job it created" };
  }
  const message = (body as { error?: { message?: unknown } } | null)?.error?.message;
  const outcome: TUploadOutcome = { ok: false, message: typeof message === "string" && message ? message : `Upload failed (HTTP ${xhr.status})` };
  const retryAfterS = Number(xhr.getResponseHeader("retry-after") ?? NaN);
  if ((xhr.status === 429 || xhr.status === 503) && Number.isFinite(retryAfterS) && retryAfterS >= 0) outcome.retryAfterMs = retryAfterS * 1000;
  return outcome;
}

/**
 * uploadFile, sent again when the server answers that it is busy (rate limit, full queue, no room
 * for the body) and says when to come back: up to UPLOAD_RETRIES times, each after the wait it asked
 * for (at most 30 s). `onWait` hears each wait, with the server's reason, and null when it is over.
 */
export function uploadWithRetries(file: File, onProgress: (fraction: number) => void, onWait: (wait: { ms: number; reason: string } | null) => void): { done: Promise<TUploadOutcome>; abort: () => void } {
  let abortTry = () => {};
  let aborted = false;
  const canceled: TUploadOutcome = { ok: false, message: "Upload canceled", aborted: true };
  const done = (async (): Promise<TUploadOutcome> => {
    for (let tries = 0; ; tries++) {
      const attempt = uploadFile(file, onProgress);
      abortTry = attempt.abort;
      const outcome = await attempt.done;
      if (outcome.ok || outcome.retryAfterMs === undefined || tries === UPLOAD_RETRIES || aborted) return outcome;
      const ms = Math.min(outcome.retryAfterMs, LONGEST_WAIT_MS);
      onWait({ ms, reason: outcome.message });
      const waited = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(true), ms);
        abortTry = () => {
          clearTimeout(timer);
          resolve(false);
        };
      });
      if (!waited) return canceled;
      onWait(null);
      onProgress(0);
    }
  })();
  return {
    done,
    abort: () => {
      aborted = true;
      abortTry();
    },
  };
}
