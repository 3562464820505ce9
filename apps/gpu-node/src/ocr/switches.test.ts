import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { DEFAULT_OCR_SWITCHES, OcrSwitchesError, ocrSwitchesFromEnv } from "./switches.ts";

describe("ocrSwitchesFromEnv", () => {
  it("nothing set: the defaults (the manifest decides int8; probe on)", () => {
    expect(ocrSwitchesFromEnv({})).toEqual({
      modelCacheDir: path.join(os.tmpdir(), "headroom-model-cache"),
      int8Stages: null,
      clsProbe: true,
    });
    expect(ocrSwitchesFromEnv({ HEADROOM_OCR_INT8: "", HEADROOM_MODEL_CACHE: " ", HEADROOM_OCR_CLS_PROBE: undefined })).toEqual(DEFAULT_OCR_SWITCHES);
  });

  it("each switch", () => {
    expect(ocrSwitchesFromEnv({ HEADROOM_MODEL_CACHE: "/cache" }).modelCacheDir).toBe("/cache");
    expect(ocrSwitchesFromEnv({ HEADROOM_OCR_CLS_PROBE: "0" }).clsProbe).toBe(false);
    expect(ocrSwitchesFromEnv({ HEADROOM_OCR_CLS_PROBE: "1" }).clsProbe).toBe(true);
  });

  it("HEADROOM_OCR_INT8: a stage list in det, cls, rec order, or 0 for none", () => {
    expect(ocrSwitchesFromEnv({ HEADROOM_OCR_INT8: "rec" }).int8Stages).toEqual(["rec"]);
    expect(ocrSwitchesFromEnv({ HEADROOM_OCR_INT8: " REC, det,rec," }).int8Stages).toEqual(["det", "rec"]);
    expect(ocrSwitchesFromEnv({ HEADROOM_OCR_INT8: "0" }).int8Stages).toEqual([]);
  });

  it("a malformed value throws, naming the variable, with every problem at once", () => {
    // Before the switches were parsed in one place, "bogus" was dropped silently and "det,rec" ran.
    expect(() => ocrSwitchesFromEnv({ HEADROOM_OCR_INT8: "rec,det,bogus" })).toThrow(/HEADROOM_OCR_INT8: unknown stage "bogus"/);
    expect(() => ocrSwitchesFromEnv({ HEADROOM_OCR_INT8: "0,rec" })).toThrow(/HEADROOM_OCR_INT8: unknown stage "0"/);
    expect(() => ocrSwitchesFromEnv({ HEADROOM_OCR_INT8: "," })).toThrow(/HEADROOM_OCR_INT8: lists no stage/);
    let caught: unknown;
    try {
      ocrSwitchesFromEnv({ HEADROOM_OCR_INT8: "fast", HEADROOM_OCR_CLS_PROBE: "true" });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(OcrSwitchesError);
    expect((caught as OcrSwitchesError).issues).toEqual([
      'HEADROOM_OCR_INT8: unknown stage "fast" (known: det, cls, rec; "0" for none)',
      'HEADROOM_OCR_CLS_PROBE: must be 0 or 1, got "true"',
    ]);
    expect((caught as Error).message).toMatch(/^Invalid OCR switches:\n {2}HEADROOM_OCR_INT8/);
  });
});
