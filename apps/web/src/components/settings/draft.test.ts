import { DEFAULT_THRESHOLDS } from "@headroom/protocol";
import { describe, expect, it } from "vitest";
import { draftOf, parseValue, patchOf, thresholdsOf } from "./draft";

describe("settings form drafts", () => {
  it.each<[string, number]>([["80", 80], [" 79.5 ", 79.5], ["", Number.NaN], ["  ", Number.NaN], ["abc", Number.NaN]])("parses %j", (input, expected) => {
    expect(parseValue(input)).toBe(expected);
  });

  it("round-trips stored thresholds and patches only what differs", () => {
    const draft = draftOf(DEFAULT_THRESHOLDS);
    expect(thresholdsOf(draft)).toEqual(DEFAULT_THRESHOLDS);
    expect(patchOf(DEFAULT_THRESHOLDS, draft)).toEqual({});
    expect(patchOf(DEFAULT_THRESHOLDS, { ...draft, cleanupAbovePct: "75", memoryCapPct: "90.0" })).toEqual({ cleanupAbovePct: 75 });
    // An emptied input is a change (to NaN), which validation then reports.
    expect(patchOf(DEFAULT_THRESHOLDS, { ...draft, jobTimeoutS: "" })).toEqual({ jobTimeoutS: Number.NaN });
  });
});
