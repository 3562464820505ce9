import { describe, expect, it } from "vitest";
import { DEFAULT_RETENTION, retentionIssues, type TRetention } from "./retention.ts";

describe("retentionIssues", () => {
  it("accepts the defaults, and null files (keep them)", () => {
    expect(retentionIssues(DEFAULT_RETENTION)).toEqual([]);
    expect(retentionIssues({ rawSampleHours: 1, rollupRetentionDays: 1, fileRetentionDays: 1 })).toEqual([]);
  });

  it.each<[Partial<TRetention>, string]>([
    [{ rawSampleHours: 0 }, "rawSampleHours"],
    [{ rawSampleHours: 24 * 90 + 1 }, "rawSampleHours"],
    [{ rawSampleHours: 2.5 }, "rawSampleHours"],
    [{ rawSampleHours: Number.NaN }, "rawSampleHours"],
    [{ rollupRetentionDays: 0 }, "rollupRetentionDays"],
    [{ fileRetentionDays: 0 }, "fileRetentionDays"],
    [{ fileRetentionDays: 3651 }, "fileRetentionDays"],
    [{ rawSampleHours: 49, rollupRetentionDays: 2 }, "must cover at least rawSampleHours (49 h)"],
  ])("refuses %j", (patch, words) => {
    const issues = retentionIssues({ ...DEFAULT_RETENTION, ...patch });
    expect(issues).toHaveLength(1);
    expect(issues[0]).toContain(words);
  });

  it("accepts buckets kept exactly as long as the raw window", () => {
    expect(retentionIssues({ rawSampleHours: 48, rollupRetentionDays: 2, fileRetentionDays: null })).toEqual([]);
  });
});
