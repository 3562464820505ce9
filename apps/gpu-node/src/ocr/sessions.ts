/**
 * ONNX Runtime sessions for one execution provider. Providers are tried in the caller's order; each
 * failure is recorded with its reason, and the first provider that loads every model wins.
 */
import type { InferenceSession as TInferenceSession } from "onnxruntime-node";
import ort from "onnxruntime-node";
import type { TOcrManifest } from "./manifest.ts";

export type TProviderNote = { provider: string; ok: boolean; reason?: string };
export type TOcrSessions = { det: TInferenceSession; cls: TInferenceSession | null; rec: TInferenceSession };

const KNOWN_PROVIDERS = new Set(["cuda", "webgpu", "cpu"]);

export function sessionOptions(provider: string, threads?: number): TInferenceSession.SessionOptions {
  return {
    executionProviders: [provider],
    graphOptimizationLevel: "all",
    executionMode: "sequential",
    interOpNumThreads: 1,
    ...(threads ? { intraOpNumThreads: threads } : {}),
  };
}

async function createFor(manifest: TOcrManifest, provider: string, threads?: number): Promise<TOcrSessions> {
  const opts = sessionOptions(provider, threads);
  const made: TInferenceSession[] = [];
  try {
    const open = async (file: string) => {
      const s = await ort.InferenceSession.create(file, opts);
      made.push(s);
      return s;
    };
    const det = await open(manifest.det.file);
    const cls = manifest.cls ? await open(manifest.cls.file) : null;
    const rec = await open(manifest.rec.file);
    return { det, cls, rec };
  } catch (err) {
    await Promise.allSettled(made.map((s) => s.release()));
    throw err;
  }
}

export async function openSessions(
  manifest: TOcrManifest,
  providers: readonly string[],
  threads: number | undefined,
  log?: (msg: string, data?: object) => void,
): Promise<{ provider: string; sessions: TOcrSessions; notes: TProviderNote[] }> {
  const notes: TProviderNote[] = [];
  for (const provider of providers) {
    if (!KNOWN_PROVIDERS.has(provider)) {
      notes.push({ provider, ok: false, reason: `unknown provider (known: ${[...KNOWN_PROVIDERS].join(", ")})` });
      continue;
    }
    try {
      const sessions = await createFor(manifest, provider, threads);
      notes.push({ provider, ok: true });
      log?.("ocr provider ready", { provider, model: manifest.name });
      return { provider, sessions, notes };
    } catch (err) {
      const reason = err instanceof Error ? err.message.trim() : String(err);
      notes.push({ provider, ok: false, reason });
      log?.("ocr provider unavailable", { provider, reason });
    }
  }
  const summary = notes.map((n) => `${n.provider}: ${n.reason ?? "ok"}`).join("; ");
  throw Object.assign(new Error(`no execution provider could load the OCR models (${summary || "none given"})`), { providerNotes: notes });
}
