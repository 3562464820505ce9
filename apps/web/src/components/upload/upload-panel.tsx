"use client";
// Pick or drop many images and PDFs; each uploads on its own (three at a time) with a progress
// bar, and the jobs it creates show live below it.
import { useCallback, useEffect, useRef, useState, type DragEvent } from "react";
import { formatBytes } from "@/lib/format";
import { LiveJob } from "./live-job";
import { uploadWithRetries, type TCreatedJob } from "./xhr-upload";

const MAX_PARALLEL_UPLOADS = 3;
const ACCEPT = "image/png,image/jpeg,image/webp,image/tiff,image/gif,application/pdf";

type TItem = {
  key: string;
  file: File;
  phase: "waiting" | "uploading" | "done" | "error";
  /** 0–1 */
  progress: number;
  message?: string;
  /** While uploading: the server was busy, and this is when the file goes again and why. */
  retry?: { at: number; reason: string };
  jobs: TCreatedJob[];
};

function looksAcceptable(file: File): boolean {
  if (file.type.startsWith("image/") || file.type === "application/pdf") return true;
  // Some systems give no type for a drop; let the server inspect the bytes.
  return file.type === "";
}

let counter = 0;

export function UploadPanel({ maxUploadBytes }: { maxUploadBytes: number }) {
  const [items, setItems] = useState<TItem[]>([]);
  const [dragging, setDragging] = useState(false);
  const aborts = useRef(new Map<string, () => void>());
  // Keys whose upload has begun, so no render can start one twice.
  const started = useRef(new Set<string>());
  const inputRef = useRef<HTMLInputElement>(null);

  const patch = useCallback((key: string, change: Partial<TItem>) => {
    setItems((list) => list.map((it) => (it.key === key ? { ...it, ...change } : it)));
  }, []);

  const addFiles = useCallback(
    (files: FileList | File[]) => {
      const added: TItem[] = Array.from(files).map((file) => {
        const key = `${Date.now()}-${counter++}`;
        if (!looksAcceptable(file)) return { key, file, phase: "error", progress: 0, jobs: [], message: "Only images and PDFs can be recognised" };
        if (file.size === 0) return { key, file, phase: "error", progress: 0, jobs: [], message: "The file is empty" };
        if (file.size > maxUploadBytes) {
          return { key, file, phase: "error", progress: 0, jobs: [], message: `The file is larger than the ${formatBytes(maxUploadBytes)} limit` };
        }
        return { key, file, phase: "waiting", progress: 0, jobs: [] };
      });
      // Newest first, so what was just added is in view.
      setItems((list) => [...added.reverse(), ...list]);
    },
    [maxUploadBytes],
  );

  // Start waiting uploads while fewer than MAX_PARALLEL_UPLOADS are in flight, oldest first.
  useEffect(() => {
    const uploading = items.filter((it) => it.phase === "uploading").length;
    const ready = items.filter((it) => it.phase === "waiting" && !started.current.has(it.key));
    for (const it of ready.reverse().slice(0, Math.max(0, MAX_PARALLEL_UPLOADS - uploading))) {
      started.current.add(it.key);
      patch(it.key, { phase: "uploading" });
      const { done, abort } = uploadWithRetries(
        it.file,
        (fraction) => patch(it.key, { progress: fraction }),
        (wait) => patch(it.key, { retry: wait ? { at: Date.now() + wait.ms, reason: wait.reason } : undefined }),
      );
      aborts.current.set(it.key, abort);
      void done.then((outcome) => {
        aborts.current.delete(it.key);
        if (outcome.ok) patch(it.key, { phase: "done", progress: 1, jobs: outcome.jobs, retry: undefined });
        else patch(it.key, { phase: "error", message: outcome.message, retry: undefined });
      });
    }
  }, [items, patch]);

  useEffect(() => {
    const pending = aborts.current;
    return () => pending.forEach((abort) => abort());
  }, []);

  function remove(key: string) {
    aborts.current.get(key)?.();
    setItems((list) => list.filter((it) => it.key !== key));
  }

  function onDrop(e: DragEvent<HTMLDivElement>) {
    e.preventDefault();
    setDragging(false);
    if (e.dataTransfer.files.length > 0) addFiles(e.dataTransfer.files);
  }

  const settled = items.filter((it) => it.phase === "error" || it.phase === "done").length;

  return (
    <div className="space-y-6">
      <div
        onDragOver={(e) => {
          e.preventDefault();
          e.dataTransfer.dropEffect = "copy";
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={onDrop}
        className={`flex flex-col items-center justify-center gap-3 rounded-2xl border-2 border-dashed px-6 py-12 text-center transition-colors ${
          dragging ? "border-indigo-500 bg-indigo-50" : "border-slate-300 bg-white"
        }`}
      >
        <svg aria-hidden viewBox="0 0 24 24" className="size-10 text-slate-400" fill="none" stroke="currentColor" strokeWidth="1.5">
          <path strokeLinecap="round" strokeLinejoin="round" d="M12 16V4m0 0-4 4m4-4 4 4M4 16v2a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2v-2" />
        </svg>
        <p className="text-slate-700">
          <span className="font-medium">Drop images or PDFs here</span>
          <span className="text-slate-500"> or</span>
        </p>
        <label
          htmlFor="upload-files"
          className="cursor-pointer rounded-md bg-indigo-600 px-4 py-2 text-sm font-semibold text-white shadow-sm hover:bg-indigo-500 focus-within:outline-2 focus-within:outline-offset-2 focus-within:outline-indigo-600"
        >
          Choose files
          <input
            ref={inputRef}
            id="upload-files"
            name="file"
            type="file"
            multiple
            accept={ACCEPT}
            className="sr-only"
            onChange={(e) => {
              if (e.target.files && e.target.files.length > 0) addFiles(e.target.files);
              // Let the same file be picked again.
              e.target.value = "";
            }}
          />
        </label>
        <p className="text-xs text-slate-500">PNG, JPEG, WebP, TIFF, GIF or PDF, up to {formatBytes(maxUploadBytes)} each</p>
      </div>

      {items.length === 0 ? (
        <p className="text-center text-sm text-slate-500">Nothing uploaded yet in this tab. Past jobs are under Jobs.</p>
      ) : (
        <section aria-label="Uploads" className="space-y-3">
          <div className="flex items-center justify-between">
            <h2 className="text-sm font-semibold text-slate-700">
              {items.length} file{items.length === 1 ? "" : "s"}
            </h2>
            {settled > 0 ? (
              <button
                type="button"
                onClick={() => setItems((list) => list.filter((it) => it.phase === "waiting" || it.phase === "uploading"))}
                className="text-sm font-medium text-slate-600 hover:text-slate-900"
              >
                Clear list
              </button>
            ) : null}
          </div>
          <ul className="space-y-3">
            {items.map((it) => (
              <UploadRow key={it.key} item={it} onRemove={() => remove(it.key)} />
            ))}
          </ul>
        </section>
      )}
    </div>
  );
}

function UploadRow({ item, onRemove }: { item: TItem; onRemove: () => void }) {
  const pct = Math.round(item.progress * 100);
  return (
    <li className="rounded-xl border border-slate-200 bg-white p-4 shadow-sm" aria-label={item.file.name}>
      <div className="flex items-start gap-3">
        <div className="min-w-0 flex-1">
          <p className="truncate font-medium text-slate-900" title={item.file.name}>{item.file.name}</p>
          <p className="text-xs text-slate-500">
            {formatBytes(item.file.size)}
            {item.phase === "waiting" ? " · waiting to upload" : null}
            {item.phase === "uploading" && !item.retry ? ` · uploading ${pct}%` : null}
          </p>
          {item.phase === "uploading" && item.retry ? <RetryNote at={item.retry.at} reason={item.retry.reason} /> : null}
        </div>
        <button
          type="button"
          onClick={onRemove}
          className="rounded-md px-2 py-1 text-sm text-slate-500 hover:bg-slate-100 hover:text-slate-900"
        >
          {item.phase === "uploading" || item.phase === "waiting" ? "Cancel" : "Remove"}
          <span className="sr-only"> {item.file.name}</span>
        </button>
      </div>
      {item.phase === "uploading" || item.phase === "waiting" ? (
        <div
          role="progressbar" aria-label={`Uploading ${item.file.name}`} aria-valuemin={0} aria-valuemax={100} aria-valuenow={pct}
          className="mt-3 h-2 overflow-hidden rounded-full bg-slate-100"
        >
          <div className="h-full rounded-full bg-indigo-500 transition-[width]" style={{ width: `${pct}%` }} />
        </div>
      ) : null}
      {item.phase === "error" ? (
        <p role="alert" className="mt-3 rounded-md bg-red-50 px-3 py-2 text-sm text-red-800">{item.message}</p>
      ) : null}
      {item.jobs.length > 0 ? (
        <div className="mt-3 space-y-4 border-t border-slate-100 pt-3">
          {item.jobs.map((job) => (
            <LiveJob key={job.id} id={job.id} initialStatus={job.status} />
          ))}
        </div>
      ) : null}
    </li>
  );
}

/** The server's reason for a busy answer, and a countdown to the next try. */
function RetryNote({ at, reason }: { at: number; reason: string }) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const tick = setInterval(() => setNow(Date.now()), 1_000);
    return () => clearInterval(tick);
  }, []);
  return (
    <p role="status" className="mt-1 text-xs text-amber-800">
      The server is busy; trying again in {Math.max(1, Math.ceil((at - now) / 1_000))} s. {reason}
    </p>
  );
}
