/**
 * The ceiling bench's sessions, opened exactly as the agent opens them (openSessions: the same
 * model preparation, the WebGPU Clip rewrite, the CPU's fused/int8 models) plus session options the
 * agent never sets: the WebGPU layout, graph capture and ORT profiling.
 *
 * openSessions has no knob for those, and model preparation is being refactored, so rather than
 * rebuild its model choice here, the options are merged into every ort.InferenceSession.create call
 * made while openSessions runs. The bench is the only thing creating sessions in its process, and
 * the original is restored before this returns.
 */
import path from "node:path";
import type { InferenceSession } from "onnxruntime-node";
import ort from "onnxruntime-node";
import type { TOcrManifest, TOcrSwitches } from "../src/ocr/index.ts";
import { openSessions, type TOcrSessions, type TProviderNote } from "../src/ocr/sessions.ts";

export type TExtraOptions = {
  /** WebGPU EP option; NCHW is ORT's default (and the agent's). */
  preferredLayout?: "NCHW" | "NHWC";
  enableGraphCapture?: boolean;
  /** Turns ORT profiling on, one file per session under this folder. */
  profileDir?: string;
};

export type TCeilingSessions = {
  sessions: TOcrSessions;
  stageProvider: Record<string, string | undefined>;
  notes: TProviderNote[];
  /** The profile file prefix of each session (profileDir only). */
  profilePrefix: Map<InferenceSession, string>;
  /** The options each ort create call got, for the record. */
  optionsSeen: Array<Record<string, unknown>>;
};

/** The agent's options with the extras merged in. Pure, so the merge is visible in one place. */
export function withExtras(opts: InferenceSession.SessionOptions, extra: TExtraOptions, profilePrefix?: string): InferenceSession.SessionOptions {
  const eps = (opts.executionProviders ?? []).map((ep) => {
    const name = typeof ep === "string" ? ep : ep.name;
    if (name !== "webgpu" || !extra.preferredLayout) return ep;
    return { ...(typeof ep === "string" ? {} : ep), name: "webgpu" as const, preferredLayout: extra.preferredLayout };
  });
  return {
    ...opts,
    executionProviders: eps,
    ...(extra.enableGraphCapture ? { enableGraphCapture: true } : {}),
    ...(profilePrefix ? { enableProfiling: true, profileFilePrefix: profilePrefix } : {}),
  };
}

export async function openCeilingSessions(
  manifest: TOcrManifest,
  provider: string,
  load: { threads: number | undefined; switches: TOcrSwitches },
  extra: TExtraOptions,
): Promise<TCeilingSessions> {
  const Session = ort.InferenceSession;
  const original = Session.create;
  const profilePrefix = new Map<InferenceSession, string>();
  const optionsSeen: Array<Record<string, unknown>> = [];
  let calls = 0;
  // sessions.ts calls create(source, options); any other arity is passed through untouched.
  const patched = async (...args: unknown[]): Promise<InferenceSession> => {
    const n = calls++;
    const prefix = extra.profileDir ? path.join(extra.profileDir, `ort-profile-${n}`) : undefined;
    if (args.length === 2 && typeof args[1] === "object" && args[1] !== null) {
      args[1] = withExtras(args[1] as InferenceSession.SessionOptions, extra, prefix);
      optionsSeen.push(args[1] as Record<string, unknown>);
    }
    const s = await (original as (...a: unknown[]) => Promise<InferenceSession>).apply(Session, args);
    if (prefix) profilePrefix.set(s, prefix);
    return s;
  };
  Session.create = patched as unknown as typeof Session.create;
  try {
    // Only this provider: a ceiling on WebGPU must not quietly measure the CPU instead.
    const r = await openSessions(manifest, [provider], { ...load, log: () => undefined });
    const wanted = extra.preferredLayout || extra.enableGraphCapture || extra.profileDir;
    if (wanted && optionsSeen.length === 0) {
      await Promise.allSettled([r.sessions.det.release(), r.sessions.cls?.release(), r.sessions.rec.release()]);
      throw new Error("openSessions no longer creates sessions through ort.InferenceSession.create(source, options); the bench's extra options were not applied");
    }
    return { sessions: r.sessions, stageProvider: r.stageProvider, notes: r.notes, profilePrefix, optionsSeen };
  } finally {
    Session.create = original;
  }
}

export async function releaseAll(s: TOcrSessions): Promise<void> {
  await Promise.allSettled([s.det.release(), s.cls?.release(), s.rec.release()]);
}
