import { AppError, DEFAULT_THRESHOLDS, ZThresholdsSchema, type TThresholds } from "@headroom/protocol";
import { describe, expect, it } from "vitest";
import { THRESHOLD_FIELDS, THRESHOLD_KEYS } from "./fields";
import { assertValidThresholds, diffValues, issuesByField, thresholdIssues } from "./validate";

const t = (over: Partial<TThresholds>): TThresholds => ({ ...DEFAULT_THRESHOLDS, ...over });

describe("thresholdIssues", () => {
  it.each<[string, Partial<TThresholds>, { fields: string[]; message: string }[]]>([
    ["the defaults", {}, []],
    ["all four percentages equal", { sweepAbovePct: 85, cleanupAbovePct: 85, memoryCapPct: 85, admissionMaxUsagePct: 85 }, []],
    ["range edges", { sweepAbovePct: 0, cleanupAbovePct: 0, admissionMaxUsagePct: 100, sampleIntervalMs: 50, sweepIntervalS: 5, admissionMinFreeMiB: 0 }, []],
    ["sweep above cleanup", { sweepAbovePct: 85 }, [{ fields: ["sweepAbovePct", "cleanupAbovePct"], message: "Sweep above (85 %) must not be above cleanup above (80 %)" }]],
    ["cleanup above the cap", { cleanupAbovePct: 91 }, [{ fields: ["cleanupAbovePct", "memoryCapPct"], message: "Cleanup above (91 %) must not be above memory cap (90 %)" }]],
    ["cap above admission", { memoryCapPct: 96 }, [{ fields: ["memoryCapPct", "admissionMaxUsagePct"], message: "Memory cap (96 %) must not be above admission max usage (95 %)" }]],
    [
      "a fully reversed order names each neighbour pair",
      { sweepAbovePct: 95, cleanupAbovePct: 90, memoryCapPct: 80, admissionMaxUsagePct: 70 },
      [
        { fields: ["sweepAbovePct", "cleanupAbovePct"], message: "Sweep above (95 %) must not be above cleanup above (90 %)" },
        { fields: ["cleanupAbovePct", "memoryCapPct"], message: "Cleanup above (90 %) must not be above memory cap (80 %)" },
        { fields: ["memoryCapPct", "admissionMaxUsagePct"], message: "Memory cap (80 %) must not be above admission max usage (70 %)" },
      ],
    ],
    ["a percentage over 100", { alertAbovePct: 101 }, [{ fields: ["alertAbovePct"], message: "Alert above must be between 1 and 100 %" }]],
    ["a negative percentage", { sweepAbovePct: -1 }, [{ fields: ["sweepAbovePct"], message: "Sweep above must be between 0 and 100 %" }]],
    ["admission at 0 %", { admissionMaxUsagePct: 0, memoryCapPct: 0, cleanupAbovePct: 0, sweepAbovePct: 0 }, [{ fields: ["admissionMaxUsagePct"], message: "Admission max usage must be between 1 and 100 %" }, { fields: ["memoryCapPct"], message: "Memory cap must be between 1 and 100 %" }]],
    ["sampling too slow", { sampleIntervalMs: 300 }, [{ fields: ["sampleIntervalMs"], message: "Sample interval must be between 50 and 250 ms" }]],
    ["sampling too fast", { sampleIntervalMs: 10 }, [{ fields: ["sampleIntervalMs"], message: "Sample interval must be between 50 and 250 ms" }]],
    ["a sweep more often than 5 s", { sweepIntervalS: 4 }, [{ fields: ["sweepIntervalS"], message: "Sweep interval must be at least 5 s" }]],
    ["negative free memory", { admissionMinFreeMiB: -1 }, [{ fields: ["admissionMinFreeMiB"], message: "Admission min free must be at least 0 MiB" }]],
    ["a fractional MiB", { admissionMinFreeMiB: 500.5 }, [{ fields: ["admissionMinFreeMiB"], message: "Admission min free must be a whole number of MiB" }]],
    ["batch cleanup every 0 images", { batchCleanupEvery: 0 }, [{ fields: ["batchCleanupEvery"], message: "Batch cleanup every must be at least 1 images" }]],
    ["a zero timeout", { jobTimeoutS: 0 }, [{ fields: ["jobTimeoutS"], message: "Job timeout must be at least 1 s" }]],
    ["NaN (an empty input)", { cleanupAbovePct: Number.NaN }, [{ fields: ["cleanupAbovePct"], message: "Cleanup above must be a number" }]],
    ["a fractional percentage is fine", { cleanupAbovePct: 79.5 }, []],
    ["a memory budget of 0 (the whole device)", { memoryBudgetMiB: 0 }, []],
    ["the smallest memory budget (with a smaller free floor)", { memoryBudgetMiB: 256, admissionMinFreeMiB: 100 }, []],
    ["a 2 GiB memory budget", { memoryBudgetMiB: 2048 }, []],
    ["a memory budget under 256 MiB", { memoryBudgetMiB: 255 }, [{ fields: ["memoryBudgetMiB"], message: "Memory budget must be 0 (the whole device) or at least 256 MiB" }]],
    ["a memory budget of 1 MiB", { memoryBudgetMiB: 1 }, [{ fields: ["memoryBudgetMiB"], message: "Memory budget must be 0 (the whole device) or at least 256 MiB" }]],
    ["a negative memory budget", { memoryBudgetMiB: -1 }, [{ fields: ["memoryBudgetMiB"], message: "Memory budget must be at least 0 MiB" }]],
    ["a free-memory floor as large as the budget", { memoryBudgetMiB: 500 }, [{ fields: ["admissionMinFreeMiB", "memoryBudgetMiB"], message: "Admission min free (500 MiB) must be below the memory budget (500 MiB)" }]],
    ["a free-memory floor just under the budget", { memoryBudgetMiB: 512, admissionMinFreeMiB: 511 }, []],
    ["a fractional memory budget", { memoryBudgetMiB: 2048.5 }, [{ fields: ["memoryBudgetMiB"], message: "Memory budget must be a whole number of MiB" }]],
  ])("%s", (_name, over, expected) => {
    expect(thresholdIssues(t(over))).toEqual(expected);
  });

  it("agrees with the protocol schema on every field's bounds", () => {
    for (const key of THRESHOLD_KEYS) {
      const f = THRESHOLD_FIELDS[key];
      const below = t({ [key]: f.min - 1 });
      expect(ZThresholdsSchema.safeParse(below).success, key).toBe(false);
      expect(thresholdIssues(below).some((i) => i.fields.includes(key)), key).toBe(true);
      if (f.max !== null) {
        const above = t({ [key]: f.max + 1 });
        expect(ZThresholdsSchema.safeParse(above).success, key).toBe(false);
        expect(thresholdIssues(above).some((i) => i.fields.includes(key)), key).toBe(true);
      }
    }
  });

  it("agrees with the protocol schema on the memory budget's gap between 0 and 256 MiB", () => {
    for (const [v, ok] of [[0, true], [1, false], [255, false], [256, true], [2048, true]] as const) {
      expect(ZThresholdsSchema.safeParse(t({ memoryBudgetMiB: v, admissionMinFreeMiB: 0 })).success, String(v)).toBe(ok);
      expect(thresholdIssues(t({ memoryBudgetMiB: v, admissionMinFreeMiB: 0 })).length === 0, String(v)).toBe(ok);
    }
  });

  it("accepts everything the schema accepts and the order allows (spot check)", () => {
    const ok = t({ sweepAbovePct: 10, cleanupAbovePct: 20, memoryCapPct: 30, admissionMaxUsagePct: 40 });
    expect(ZThresholdsSchema.safeParse(ok).success).toBe(true);
    expect(thresholdIssues(ok)).toEqual([]);
  });
});

describe("issuesByField", () => {
  it("gives each field its first message, both ends of an order problem included", () => {
    const byField = issuesByField(thresholdIssues(t({ sweepAbovePct: 85, alertAbovePct: 0 })));
    expect(byField).toEqual({
      alertAbovePct: "Alert above must be between 1 and 100 %",
      sweepAbovePct: "Sweep above (85 %) must not be above cleanup above (80 %)",
      cleanupAbovePct: "Sweep above (85 %) must not be above cleanup above (80 %)",
    });
  });
});

describe("assertValidThresholds", () => {
  it("passes a good set and names every problem of a bad one as INVALID_INPUT", () => {
    expect(() => assertValidThresholds(DEFAULT_THRESHOLDS)).not.toThrow();
    const err = (() => {
      try {
        assertValidThresholds(t({ sweepAbovePct: 85, sampleIntervalMs: 1 }), "On node gpu-0");
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe("INVALID_INPUT");
    expect((err as AppError).message).toBe("On node gpu-0: Sample interval must be between 50 and 250 ms; Sweep above (85 %) must not be above cleanup above (80 %)");
  });
});

describe("diffValues", () => {
  it.each<[string, Record<string, number | null>, Record<string, number | null>, unknown[]]>([
    ["nothing changed", { cleanupAbovePct: 80 }, { cleanupAbovePct: 80 }, []],
    ["one value", { cleanupAbovePct: 80, memoryCapPct: 90 }, { cleanupAbovePct: 75, memoryCapPct: 90 }, [{ field: "cleanupAbovePct", from: 80, to: 75 }]],
    ["set and clear, in field order", { memoryCapPct: 88, cleanupAbovePct: null }, { memoryCapPct: null, cleanupAbovePct: 70 }, [{ field: "memoryCapPct", from: 88, to: null }, { field: "cleanupAbovePct", from: null, to: 70 }]],
    ["missing counts as null", {}, { sweepIntervalS: null }, []],
  ])("%s", (_name, from, to, expected) => {
    expect(diffValues(from, to)).toEqual(expected);
  });
});
