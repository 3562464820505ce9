/**
 * ONNX Runtime sessions for one execution provider. Providers are tried in the caller's order; each
 * failure is recorded with its reason, and the first provider that loads every model wins.
 *
 * With `stageProviders`, each stage (det, cls, rec) tries its own order instead (its preferred
 * providers that the node allows, then the node's other providers), so detection and recognition can
 * run where each is fastest. Each model is prepared for its provider first (model-prep/: the Clip
 * rewrite on WebGPU, activation fusions and int8 on the CPU).
 */
import type { InferenceSession as TInferenceSession } from "onnxruntime-node";
import ort from "onnxruntime-node";
import type { TOcrManifest } from "./manifest.ts";
import { prepareModel } from "./model-prep/index.ts";
import type { TOcrSwitches } from "./switches.ts";

export type TOcrStage = "det" | "cls" | "rec";
export type TStageProviders = Partial<Record<TOcrStage, string[]>>;
/** `stage` is set only where stages were opened one by one (stageProviders). */
export type TProviderNote = { provider: string; ok: boolean; reason?: string; stage?: TOcrStage };
export type TOcrSessions = { det: TInferenceSession; cls: TInferenceSession | null; rec: TInferenceSession };

const KNOWN_PROVIDERS = new Set(["cuda", "webgpu", "cpu"]);

/** What loading any model needs besides the model: intra-op threads, the A/B switches (switches.ts), a log. */
export type TLoadOptions = { threads: number | undefined; switches: TOcrSwitches; log?: (msg: string, data?: object) => void };

export function sessionOptions(provider: string, threads?: number, layout?: "NCHW" | "NHWC"): TInferenceSession.SessionOptions {
  return {
    executionProviders: [provider === "webgpu" && layout ? { name: "webgpu", preferredLayout: layout } : provider],
    graphOptimizationLevel: "all",
    executionMode: "sequential",
    interOpNumThreads: 1,
    ...(threads ? { intraOpNumThreads: threads } : {}),
  };
}

const stageOf = (m: TOcrManifest, file: string): TOcrStage => (file === m.det.file ? "det" : file === m.rec.file ? "rec" : "cls");

/** A session for one model on one provider, prepared for it (model-prep/). */
async function openModel(manifest: TOcrManifest, file: string, provider: string, load: TLoadOptions) {
  const stage = stageOf(manifest, file);
  const opts = sessionOptions(provider, load.threads, stage === "rec" ? manifest.rec.webgpu?.layout : undefined);
  const create = (source: string | Uint8Array) =>
    typeof source === "string" ? ort.InferenceSession.create(source, opts) : ort.InferenceSession.create(source, opts);
  const prepare = { manifest, switches: load.switches, log: load.log };
  const model = await prepareModel(stage, provider, prepare);
  try {
    return await create(model.source);
  } catch (err) {
    if (!model.int8) throw err;
    // A broken int8 model (a damaged cache file, an ORT without the kernels) must not take the CPU
    // provider down with it: load the float model instead.
    load.log?.("ocr int8 model failed to load; using float", { file, reason: reasonOf(err) });
    return create((await prepareModel(stage, provider, { ...prepare, float: true })).source);
  }
}

async function createFor(manifest: TOcrManifest, provider: string, load: TLoadOptions): Promise<TOcrSessions> {
  const made: TInferenceSession[] = [];
  try {
    const open = async (file: string) => {
      const s = await openModel(manifest, file, provider, load);
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

/** A stage's order: its preferred providers that the node allows, then the node's others. */
export function stageOrder(providers: readonly string[], preferred: readonly string[] | undefined): string[] {
  const first = (preferred ?? []).filter((p) => providers.includes(p));
  return [...first, ...providers.filter((p) => !first.includes(p))];
}

/** "webgpu" when every stage runs there; otherwise each stage's, e.g. "det=webgpu,cls=cpu,rec=webgpu". */
export function providerLabel(perStage: Partial<Record<TOcrStage, string>>): string {
  const used = (["det", "cls", "rec"] as const).filter((k) => perStage[k]);
  const distinct = new Set(used.map((k) => perStage[k]));
  return distinct.size === 1 ? [...distinct][0]! : used.map((k) => `${k}=${perStage[k]}`).join(",");
}

const reasonOf = (err: unknown) => (err instanceof Error ? err.message.trim() : String(err));

export async function openSessions(
  manifest: TOcrManifest,
  providers: readonly string[],
  load: TLoadOptions,
  stageProviders: TStageProviders | undefined = manifest.stageProviders ?? undefined,
): Promise<{ provider: string; stageProvider: Partial<Record<TOcrStage, string>>; sessions: TOcrSessions; notes: TProviderNote[] }> {
  const orders = {
    det: stageOrder(providers, stageProviders?.det),
    cls: stageOrder(providers, stageProviders?.cls),
    rec: stageOrder(providers, stageProviders?.rec),
  };
  // Only known providers can load anything, so orders that differ only in unknown names are the same.
  const known = (ps: readonly string[]) => ps.filter((p) => KNOWN_PROVIDERS.has(p)).join();
  const uniform = (["det", "cls", "rec"] as const).every((k) => known(orders[k]) === known(providers));
  if (!uniform) return openPerStage(manifest, orders, load);
  const { log } = load;
  const notes: TProviderNote[] = [];
  for (const provider of providers) {
    if (!KNOWN_PROVIDERS.has(provider)) {
      notes.push({ provider, ok: false, reason: `unknown provider (known: ${[...KNOWN_PROVIDERS].join(", ")})` });
      continue;
    }
    try {
      const sessions = await createFor(manifest, provider, load);
      notes.push({ provider, ok: true });
      log?.("ocr provider ready", { provider, model: manifest.name });
      const stageProvider = { det: provider, ...(sessions.cls ? { cls: provider } : {}), rec: provider };
      return { provider, stageProvider, sessions, notes };
    } catch (err) {
      const reason = reasonOf(err);
      notes.push({ provider, ok: false, reason });
      log?.("ocr provider unavailable", { provider, reason });
    }
  }
  const summary = notes.map((n) => `${n.provider}: ${n.reason ?? "ok"}`).join("; ");
  throw Object.assign(new Error(`no execution provider could load the OCR models (${summary || "none given"})`), { providerNotes: notes });
}

/** Each stage on the first provider of its own order that loads its model. */
async function openPerStage(
  manifest: TOcrManifest,
  orders: Record<TOcrStage, string[]>,
  load: TLoadOptions,
): Promise<{ provider: string; stageProvider: Partial<Record<TOcrStage, string>>; sessions: TOcrSessions; notes: TProviderNote[] }> {
  const { log } = load;
  const notes: TProviderNote[] = [];
  const opened: Partial<Record<TOcrStage, { provider: string; session: TInferenceSession }>> = {};
  const files: Array<[TOcrStage, string]> = [["det", manifest.det.file], ...(manifest.cls ? [["cls", manifest.cls.file] as [TOcrStage, string]] : []), ["rec", manifest.rec.file]];
  for (const [stage, file] of files) {
    for (const provider of orders[stage]) {
      if (!KNOWN_PROVIDERS.has(provider)) {
        notes.push({ provider, ok: false, stage, reason: `unknown provider (known: ${[...KNOWN_PROVIDERS].join(", ")})` });
        continue;
      }
      try {
        opened[stage] = { provider, session: await openModel(manifest, file, provider, load) };
        notes.push({ provider, ok: true, stage });
        break;
      } catch (err) {
        const reason = reasonOf(err);
        notes.push({ provider, ok: false, stage, reason });
        log?.("ocr provider unavailable", { provider, stage, reason });
      }
    }
    if (!opened[stage]) {
      await Promise.allSettled(Object.values(opened).map((o) => o.session.release()));
      const summary = notes.map((n) => `${n.stage}/${n.provider}: ${n.reason ?? "ok"}`).join("; ");
      throw Object.assign(new Error(`no execution provider could load the OCR ${stage} model (${summary})`), { providerNotes: notes });
    }
  }
  const stageProvider = Object.fromEntries(Object.entries(opened).map(([k, v]) => [k, v.provider])) as Partial<Record<TOcrStage, string>>;
  const provider = providerLabel(stageProvider);
  log?.("ocr provider ready", { provider, stageProvider, model: manifest.name });
  return { provider, stageProvider, sessions: { det: opened.det!.session, cls: opened.cls?.session ?? null, rec: opened.rec!.session }, notes };
}
