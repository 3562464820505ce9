import { describe, expect, it } from "vitest";
import { elapsedMs, formatAgeMs, formatBytes, formatDurationMs, formatMiB } from "./format";

describe("format", () => {
  it.each([
    [null, "—"],
    [-1, "—"],
    [850, "850 ms"],
    [4_200, "4.2 s"],
    [42_000, "42 s"],
    [185_000, "3 min 05 s"],
    [7_620_000, "2 h 07 min"],
  ])("formatDurationMs(%s) = %s", (ms, out) => expect(formatDurationMs(ms)).toBe(out));

  it.each([
    [null, "never"],
    [200, "just now"],
    [12_000, "12 s ago"],
    [300_000, "5 min ago"],
    [3 * 3_600_000, "3 h ago"],
    [2 * 86_400_000, "2 d ago"],
  ])("formatAgeMs(%s) = %s", (ms, out) => expect(formatAgeMs(ms)).toBe(out));

  it("formats MiB and bytes", () => {
    expect(formatMiB(24576)).toBe("24,576 MiB");
    expect(formatMiB(null)).toBe("—");
    expect(formatBytes(512)).toBe("512 B");
    expect(formatBytes(2048)).toBe("2.0 KiB");
    expect(formatBytes(3 * 1024 * 1024)).toBe("3.0 MiB");
  });

  it("measures elapsed time, to now while running", () => {
    expect(elapsedMs(null, null, 0)).toBeNull();
    expect(elapsedMs("2025-01-01T00:00:00.000Z", "2025-01-01T00:00:01.500Z", 0)).toBe(1500);
    expect(elapsedMs("2025-01-01T00:00:00.000Z", null, Date.parse("2025-01-01T00:00:02.000Z"))).toBe(2000);
  });
});
