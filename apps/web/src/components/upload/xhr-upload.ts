// One file → POST /api/v1/jobs as multipart field `file`. XMLHttpRequest rather than fetch
// because only XHR reports upload progress.

export type TCreatedJob = { id: string; status: string };
export type TUploadOutcome = { ok: true; jobs: TCreatedJob[] } | { ok: false; message: string; aborted?: boolean };

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
  return { ok: false, message: typeof message === "string" && message ? message : `Upload failed (HTTP ${xhr.status})` };
}
