// Messages between the agent and its runner child over the fork IPC channel ("advanced"
// serialization, so image bytes cross as a Uint8Array without base64).
import type { TJobErrorCode, TOcrResult } from "@headroom/protocol";
import type { TOcrSwitches } from "../ocr/switches.ts";

export type TProviderNote = { provider: string; ok: boolean; reason?: string };

/** What the child needs to load the engine; passed as argv[2] (JSON), never through the environment. */
export type TRunnerChildConfig = {
  providers: string[];
  manifestPath?: string;
  threads?: number;
  /** PDF rendering resolution and the page cap (engine defaults: 150 DPI, 50 pages). */
  pdfDpi?: number;
  maxPages?: number;
  /** The OCR A/B switches, parsed once by the agent (env.ts); absent = the defaults. */
  ocrSwitches?: TOcrSwitches;
  /** Jobs in flight in this runner at once (HEADROOM_RUNNER_JOBS; engine default 1). */
  maxJobs?: number;
  /** Worker threads for line crops (HEADROOM_OCR_CROP_WORKERS); absent = the engine's choice by provider. */
  cropWorkers?: number;
};

export type TParentMessage = { type: "load" } | { type: "recognize"; id: number; bytes: Uint8Array } | { type: "cancel"; id: number; reason: string };

export type TChildMessage =
  | { type: "warm" }
  | { type: "ready"; provider: string; model: string; providerNotes: TProviderNote[] }
  | { type: "start_failed"; message: string; providerNotes: TProviderNote[] }
  | { type: "result"; id: number; result: TOcrResult }
  | { type: "error"; id: number; code: TJobErrorCode; message: string }
  | { type: "log"; msg: string; data?: object };
