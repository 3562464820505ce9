import { describe, expect, it } from "vitest";
import { parseEnv } from "./env.ts";
import { DEFAULT_OCR_SWITCHES } from "./ocr/switches.ts";
import { RECLAIM_MIN_INTERVAL_MS } from "./rules/memory-rules.ts";

const host = { hostname: "box", totalMemMiB: 6000 };
const base = { HEADROOM_ENROLL_TOKEN: "enrol-secret" };

describe("parseEnv", () => {
  it("a bare CPU node", () => {
    expect(parseEnv(base, host)).toEqual({
      controlUrl: "http://127.0.0.1:3000",
      enrollToken: "enrol-secret",
      nodeName: "box-cpu",
      hostname: "box",
      gpuIndex: null,
      providers: ["cpu"],
      cpuBudgetMiB: 6000, // min(8192, host total)
      ocrThreads: undefined,
      modelManifestPath: undefined,
      runnerModulePath: undefined,
      pdfDpi: 150,
      maxPages: 50,
      runnerSlots: 1,
      runnerJobs: 1,
      cropWorkers: undefined,
      reclaimMinIntervalMs: RECLAIM_MIN_INTERVAL_MS,
      shutdownGraceMs: 10_000,
      startReportDelayMs: 1_000,
      ocrSwitches: DEFAULT_OCR_SWITCHES,
      logLevel: "info",
    });
  });

  it("a GPU node gets its name and the GPU provider order", () => {
    const e = parseEnv({ ...base, HEADROOM_GPU_INDEX: "2", HEADROOM_CONTROL_URL: "http://cp:8080/" }, host);
    expect(e).toMatchObject({ gpuIndex: 2, nodeName: "box-gpu2", providers: ["cuda", "webgpu", "cpu"], controlUrl: "http://cp:8080" });
  });

  it("explicit values win; empty strings count as unset", () => {
    const e = parseEnv({ ...base, HEADROOM_NODE_NAME: "n1", HEADROOM_PROVIDERS: " WebGPU, cpu ", HEADROOM_CPU_BUDGET_MIB: "2048", HEADROOM_OCR_THREADS: "4", HEADROOM_GPU_INDEX: "", LOG_LEVEL: "debug", HEADROOM_PDF_DPI: "200", HEADROOM_MAX_PAGES: "10" }, host);
    expect(e).toMatchObject({ nodeName: "n1", providers: ["webgpu", "cpu"], cpuBudgetMiB: 2048, ocrThreads: 4, gpuIndex: null, logLevel: "debug", pdfDpi: 200, maxPages: 10 });
  });

  it("runner slots: 1 by default, or as many as asked up to 8", () => {
    expect(parseEnv({ ...base, HEADROOM_RUNNER_SLOTS: "" }, host).runnerSlots).toBe(1);
    expect(parseEnv({ ...base, HEADROOM_RUNNER_SLOTS: "4" }, host).runnerSlots).toBe(4);
    expect(parseEnv({ ...base, HEADROOM_RUNNER_SLOTS: "8" }, host).runnerSlots).toBe(8);
  });

  it("jobs per runner: 1 by default; slots × jobs up to the protocol's 32 in flight", () => {
    expect(parseEnv(base, host)).toMatchObject({ runnerJobs: 1, cropWorkers: undefined });
    expect(parseEnv({ ...base, HEADROOM_RUNNER_JOBS: "16", HEADROOM_RUNNER_SLOTS: "2", HEADROOM_OCR_CROP_WORKERS: "0" }, host)).toMatchObject({ runnerJobs: 16, runnerSlots: 2, cropWorkers: 0 });
  });

  it("the reclaim interval can be shortened, down to none", () => {
    expect(parseEnv({ ...base, HEADROOM_RECLAIM_MIN_INTERVAL_MS: "2500" }, host).reclaimMinIntervalMs).toBe(2500);
    expect(parseEnv({ ...base, HEADROOM_RECLAIM_MIN_INTERVAL_MS: "0" }, host).reclaimMinIntervalMs).toBe(0);
  });

  it("the OCR switches for A/B runs, parsed here once for the runner child", () => {
    const e = parseEnv({ ...base, HEADROOM_OCR_INT8: "det, rec", HEADROOM_OCR_CLS_PROBE: "0", HEADROOM_MODEL_CACHE: "/var/cache/headroom" }, host);
    expect(e.ocrSwitches).toEqual({ modelCacheDir: "/var/cache/headroom", int8Stages: ["det", "rec"], clsProbe: false });
    expect(parseEnv({ ...base, HEADROOM_OCR_INT8: "0" }, host).ocrSwitches).toMatchObject({ int8Stages: [] });
    // Empty means unset here too: the manifest's cpuInt8 stays in charge.
    expect(parseEnv({ ...base, HEADROOM_OCR_INT8: "", HEADROOM_MODEL_CACHE: "" }, host).ocrSwitches).toEqual(DEFAULT_OCR_SWITCHES);
  });

  it("reports a bad OCR switch together with the other problems", () => {
    expect(() => parseEnv({ HEADROOM_OCR_INT8: "rec,bogus", HEADROOM_PDF_DPI: "10" }, host)).toThrow(
      /^Invalid gpu-node configuration:\n {2}HEADROOM_ENROLL_TOKEN: .*\n {2}HEADROOM_PDF_DPI: .*\n {2}HEADROOM_OCR_INT8: unknown stage "bogus"/,
    );
  });

  it.each<[string, Record<string, string>, RegExp]>([
    ["missing enrolment token", {}, /HEADROOM_ENROLL_TOKEN: .*required/],
    ["bad GPU index", { ...base, HEADROOM_GPU_INDEX: "first" }, /HEADROOM_GPU_INDEX/],
    ["negative GPU index", { ...base, HEADROOM_GPU_INDEX: "-1" }, /HEADROOM_GPU_INDEX/],
    ["bad URL", { ...base, HEADROOM_CONTROL_URL: "not a url" }, /HEADROOM_CONTROL_URL/],
    ["bad log level", { ...base, LOG_LEVEL: "loud" }, /LOG_LEVEL/],
    ["no providers", { ...base, HEADROOM_PROVIDERS: " , " }, /HEADROOM_PROVIDERS/],
    ["a PDF DPI too low to read", { ...base, HEADROOM_PDF_DPI: "10" }, /HEADROOM_PDF_DPI/],
    ["a zero page cap", { ...base, HEADROOM_MAX_PAGES: "0" }, /HEADROOM_MAX_PAGES/],
    ["no runner slot", { ...base, HEADROOM_RUNNER_SLOTS: "0" }, /HEADROOM_RUNNER_SLOTS: must be at least 1/],
    ["too many runner slots", { ...base, HEADROOM_RUNNER_SLOTS: "9" }, /HEADROOM_RUNNER_SLOTS: must be at most 8/],
    ["a fractional slot count", { ...base, HEADROOM_RUNNER_SLOTS: "1.5" }, /HEADROOM_RUNNER_SLOTS/],
    ["no job per runner", { ...base, HEADROOM_RUNNER_JOBS: "0" }, /HEADROOM_RUNNER_JOBS: must be at least 1/],
    ["more jobs in flight than the control plane takes", { ...base, HEADROOM_RUNNER_SLOTS: "3", HEADROOM_RUNNER_JOBS: "12" }, /HEADROOM_RUNNER_SLOTS × HEADROOM_RUNNER_JOBS: must be at most 32 jobs in flight \(got 3 × 12\)/],
    ["negative crop workers", { ...base, HEADROOM_OCR_CROP_WORKERS: "-1" }, /HEADROOM_OCR_CROP_WORKERS/],
    ["a slot count that is not a number", { ...base, HEADROOM_RUNNER_SLOTS: "two" }, /HEADROOM_RUNNER_SLOTS/],
    ["a negative reclaim interval", { ...base, HEADROOM_RECLAIM_MIN_INTERVAL_MS: "-1" }, /HEADROOM_RECLAIM_MIN_INTERVAL_MS/],
    ["a reclaim interval in words", { ...base, HEADROOM_RECLAIM_MIN_INTERVAL_MS: "soon" }, /HEADROOM_RECLAIM_MIN_INTERVAL_MS/],
    ["an unknown int8 stage", { ...base, HEADROOM_OCR_INT8: "rec,det,bogus" }, /HEADROOM_OCR_INT8: unknown stage "bogus" \(known: det, cls, rec; "0" for none\)/],
    ["an int8 stage list of commas only", { ...base, HEADROOM_OCR_INT8: " , " }, /HEADROOM_OCR_INT8: lists no stage/],
    ["an on/off switch in words", { ...base, HEADROOM_OCR_CLS_PROBE: "off" }, /HEADROOM_OCR_CLS_PROBE: must be 0 or 1, got "off"/],
    ["a probe switch of 2", { ...base, HEADROOM_OCR_CLS_PROBE: "2" }, /HEADROOM_OCR_CLS_PROBE: must be 0 or 1/],
  ])("fails readably: %s", (_n, raw, message) => {
    expect(() => parseEnv(raw, host)).toThrow(message);
  });
});
