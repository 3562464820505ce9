import { describe, expect, it } from "vitest";
import { LEAK_WARN_MIB_PER_HOUR, leakTrend, slopePerMs } from "./leak-trend";

const H = 3_600_000;
const T0 = Date.parse("2030-01-01T00:00:00Z");
const at = (hours: number, afterMiB: number) => ({ atMs: T0 + hours * H, afterMiB });

describe("leakTrend", () => {
  it.each([
    { name: "no points", points: [], want: null },
    { name: "two points are not a trend", points: [at(0, 100), at(1, 900)], want: null },
    { name: "three points at one instant have no slope", points: [at(0, 100), at(0, 200), at(0, 300)], want: null },
    { name: "flat after every cleanup", points: [at(0, 500), at(1, 500), at(2, 500), at(3, 500)], want: { mibPerHour: 0, points: 4, warn: false } },
    { name: "steady climb of 100 MiB/h", points: [at(0, 1000), at(1, 1100), at(2, 1200)], want: { mibPerHour: 100, points: 3, warn: true } },
    { name: "exactly at the threshold does not warn", points: [at(0, 0), at(2, 2 * LEAK_WARN_MIB_PER_HOUR), at(4, 4 * LEAK_WARN_MIB_PER_HOUR)], want: { mibPerHour: LEAK_WARN_MIB_PER_HOUR, points: 3, warn: false } },
    { name: "falling (cleanups winning)", points: [at(0, 3000), at(6, 2400), at(12, 1800)], want: { mibPerHour: -100, points: 3, warn: false } },
    { name: "noise around a climb: least squares, not endpoints", points: [at(0, 1000), at(1, 1090), at(2, 1210), at(3, 1300)], want: { mibPerHour: 102, points: 4, warn: true } },
    { name: "uneven spacing", points: [at(0, 0), at(0.5, 30), at(10, 600)], want: { mibPerHour: 60, points: 3, warn: true } },
    { name: "one jump then flat", points: [at(0, 100), at(1, 100), at(2, 700), at(3, 700)], want: { mibPerHour: 240, points: 4, warn: true } },
  ])("$name", ({ points, want }) => {
    expect(leakTrend(points)).toEqual(want);
  });

  it("takes its own minimum and threshold", () => {
    expect(leakTrend([at(0, 0), at(1, 20)], { minPoints: 2, warnAboveMiBPerHour: 10 })).toEqual({ mibPerHour: 20, points: 2, warn: true });
  });

  it("keeps precision at epoch-scale times", () => {
    // 1 MiB per minute at 2030's epoch ms: squares of raw times would lose this.
    const pts = Array.from({ length: 50 }, (_, i) => ({ atMs: T0 + i * 60_000, afterMiB: 10_000 + i }));
    expect(slopePerMs(pts)! * 60_000).toBeCloseTo(1, 9);
  });
});
