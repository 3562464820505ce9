// Bucket math for memory charts, shared by the server (which downsamples with date_bin) and the
// client (which draws). Pure; times in ms since the epoch.
import type { TThresholds } from "@headroom/protocol";

/** Chart ranges and their widths in ms. "live" is the last two minutes, redrawn as samples arrive. */
export const MEMORY_RANGES_MS = {
  live: 2 * 60_000,
  "15m": 15 * 60_000,
  "1h": 60 * 60_000,
  "24h": 24 * 60 * 60_000,
  "7d": 7 * 24 * 60 * 60_000,
} as const;
export type TMemoryRange = keyof typeof MEMORY_RANGES_MS;
export const MEMORY_RANGES = Object.keys(MEMORY_RANGES_MS) as TMemoryRange[];

/** A chart draws at most about this many points, whatever its range. */
export const MAX_BUCKETS = 300;

/** Bucket widths a person reads easily, smallest first, in ms. */
const NICE_BUCKETS_MS = [
  250, 500, 1_000, 2_000, 5_000, 10_000, 15_000, 30_000,
  60_000, 2 * 60_000, 5 * 60_000, 10 * 60_000, 15 * 60_000, 30 * 60_000,
  3_600_000, 2 * 3_600_000, 3 * 3_600_000, 6 * 3_600_000, 12 * 3_600_000, 86_400_000,
];

/** The narrowest nice bucket that keeps `rangeMs` within `maxBuckets` buckets. */
export function bucketWidthMs(rangeMs: number, maxBuckets = MAX_BUCKETS): number {
  const least = rangeMs / Math.max(1, maxBuckets);
  return NICE_BUCKETS_MS.find((b) => b >= least) ?? Math.ceil(least / 86_400_000) * 86_400_000;
}

/** Start of the bucket holding `atMs`; buckets are aligned to the epoch, as date_bin(…, TIMESTAMP '1970-01-01') does. */
export function bucketStartMs(atMs: number, widthMs: number): number {
  return Math.floor(atMs / widthMs) * widthMs;
}

/** The window a chart shows: from the start of the bucket holding now − range, to now. */
export function chartWindow(nowMs: number, rangeMs: number, maxBuckets = MAX_BUCKETS): { fromMs: number; toMs: number; bucketMs: number } {
  const bucketMs = bucketWidthMs(rangeMs, maxBuckets);
  return { fromMs: bucketStartMs(nowMs - rangeMs, bucketMs), toMs: nowMs, bucketMs };
}

/** How many buckets a window spans (the first and last may be partial). */
export function bucketCount(fromMs: number, toMs: number, widthMs: number): number {
  if (toMs < fromMs) return 0;
  return bucketStartMs(toMs, widthMs) / widthMs - bucketStartMs(fromMs, widthMs) / widthMs + 1;
}

export type TThresholdLine = { key: "admission" | "cleanup" | "sweep" | "cap" | "alert"; label: string; pct: number; mib: number };

/**
 * The node's thresholds in force as horizontal lines, % of total memory → MiB, highest first.
 * Thresholds at the same level (cap and alert are both 90 % by default) share one line and label.
 */
export function thresholdLines(t: TThresholds, totalMiB: number): TThresholdLine[] {
  const all: [TThresholdLine["key"], number][] = [
    ["admission", t.admissionMaxUsagePct],
    ["cap", t.memoryCapPct],
    ["alert", t.alertAbovePct],
    ["cleanup", t.cleanupAbovePct],
    ["sweep", t.sweepAbovePct],
  ];
  const lines: TThresholdLine[] = [];
  for (const [key, pct] of all) {
    const same = lines.find((l) => l.pct === pct);
    if (same) same.label += ` / ${key}`;
    else lines.push({ key, label: key, pct, mib: Math.round((totalMiB * pct) / 100) });
  }
  return lines.sort((a, b) => b.pct - a.pct);
}

/** `count` evenly spaced axis ticks over [fromMs, toMs], so a chart always has a readable time axis. */
export function timeTicks(fromMs: number, toMs: number, count = 5): number[] {
  if (toMs <= fromMs) return [fromMs];
  const step = (toMs - fromMs) / (count - 1);
  return Array.from({ length: count }, (_, i) => Math.round(fromMs + i * step));
}
