// The runner child's side: load an engine once, keep it resident, answer recognize requests (the
// engine bounds how many run at once), cancel one on request, and never outlive the agent that forked it.
import type { TJobErrorCode, TOcrResult } from "@headroom/protocol";
import type { TChildMessage, TParentMessage, TProviderNote } from "./ipc.ts";

export type TChildEngine = {
  readonly provider: string;
  readonly model: string;
  recognize(input: Buffer, opts?: { signal?: AbortSignal }): Promise<TOcrResult>;
};

export type TChildEngineLoader = (log: (msg: string, data?: object) => void) => Promise<{ engine: TChildEngine; providerNotes: TProviderNote[] }>;

// ONNX Runtime and Dawn word their allocation failures differently per provider; these are the
// messages seen for CPU arenas, CUDA and WebGPU buffers.
const OOM_PATTERN = /out of memory|\boom\b|failed to allocate|bad_alloc|cudaErrorMemoryAllocation|CUBLAS_STATUS_ALLOC_FAILED/i;

export function classifyError(err: unknown, isInputError: (e: unknown) => boolean): TJobErrorCode {
  if (isInputError(err)) return "INVALID_INPUT";
  const message = err instanceof Error ? err.message : String(err);
  return OOM_PATTERN.test(message) ? "GPU_OOM" : "INTERNAL";
}

function send(msg: TChildMessage): void {
  // A parent that went away (a spare ended at shutdown) is handled by exitWithParent, not here.
  if (process.connected) process.send?.(msg, undefined, undefined, () => {});
}

/** How often the child checks that its parent is still the one that forked it, in ms. */
const PARENT_CHECK_INTERVAL_MS = 1_000;

function exitWithParent(): void {
  // IPC disconnect is the normal signal that the agent is gone (even on SIGKILL the kernel closes
  // the socket). The ppid check covers a parent that died while the channel was somehow kept open.
  process.on("disconnect", () => process.exit(0));
  const parentPid = process.ppid;
  setInterval(() => {
    if (process.ppid !== parentPid || !process.connected) process.exit(0);
  }, PARENT_CHECK_INTERVAL_MS).unref();
}

export async function serveRunner(load: TChildEngineLoader, isInputError: (e: unknown) => boolean): Promise<void> {
  if (!process.send) throw new Error("the runner child must be started with an IPC channel (child_process.fork)");
  exitWithParent();
  const log = (msg: string, data?: object) => send({ type: "log", msg, data });

  // A spare: Node, the loader and the engine's modules are up, but no session exists yet (so no
  // device memory is held). The parent says "load" when it ends the old runner, so a recycle costs
  // only the session creation, not a process start.
  await new Promise<void>((resolve) => {
    const onLoad = (m: TParentMessage) => {
      if (m?.type !== "load") return;
      process.off("message", onLoad);
      resolve();
    };
    process.on("message", onLoad);
    send({ type: "warm" });
  });

  let engine: TChildEngine;
  try {
    const loaded = await load(log);
    engine = loaded.engine;
    send({ type: "ready", provider: engine.provider, model: engine.model, providerNotes: loaded.providerNotes });
  } catch (err) {
    const providerNotes = (err as { providerNotes?: TProviderNote[] }).providerNotes ?? [];
    // Exit only once the message is written; the parent treats the exit as part of the failure.
    process.send({ type: "start_failed", message: err instanceof Error ? err.message : String(err), providerNotes } satisfies TChildMessage, () => process.exit(1));
    return;
  }

  // The engine queues what it cannot start yet (its maxJobs) and serialises its sessions; a cancel
  // ends one job and leaves the others running (a multi-job runner, HEADROOM_RUNNER_JOBS).
  const inFlight = new Map<number, AbortController>();
  process.on("message", (raw: TParentMessage) => {
    if (raw?.type === "cancel") return inFlight.get(raw.id)?.abort(new Error(raw.reason));
    if (raw?.type !== "recognize") return;
    const abort = new AbortController();
    inFlight.set(raw.id, abort);
    const bytes = Buffer.from(raw.bytes.buffer, raw.bytes.byteOffset, raw.bytes.byteLength);
    engine
      .recognize(bytes, { signal: abort.signal })
      .then(
        (result) => send({ type: "result", id: raw.id, result }),
        (err) => send({ type: "error", id: raw.id, code: classifyError(err, isInputError), message: err instanceof Error ? err.message : String(err) }),
      )
      .finally(() => inFlight.delete(raw.id));
  });
}
