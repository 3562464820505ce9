import { describe, expect, it } from "vitest";
import { nodeState, overriddenThresholdKeys, usedPct } from "./node-state";

describe("nodeState", () => {
  const now = 100_000;
  const beat = (agoMs: number) => new Date(now - agoMs);
  it.each([
    ["fresh heartbeat", { status: "ONLINE", drained: false, lastHeartbeatAt: beat(1_000) }, "online"],
    ["drained and alive", { status: "ONLINE", drained: true, lastHeartbeatAt: beat(1_000) }, "drained"],
    ["marked offline", { status: "OFFLINE", drained: false, lastHeartbeatAt: beat(1_000) }, "offline"],
    ["drained but offline", { status: "OFFLINE", drained: true, lastHeartbeatAt: beat(1_000) }, "offline"],
    ["stale heartbeat", { status: "ONLINE", drained: false, lastHeartbeatAt: beat(15_001) }, "offline"],
    ["exactly at the limit", { status: "ONLINE", drained: false, lastHeartbeatAt: beat(15_000) }, "online"],
    ["never beat", { status: "ONLINE", drained: false, lastHeartbeatAt: null }, "offline"],
  ] as const)("%s → %s", (_name, node, expected) => {
    expect(nodeState(node, now, 15_000)).toBe(expected);
  });
});

describe("overriddenThresholdKeys", () => {
  it("lists non-null override fields, zero included, in canonical order", () => {
    expect(overriddenThresholdKeys(null)).toEqual([]);
    expect(overriddenThresholdKeys({ sweepIntervalS: null, admissionMinFreeMiB: 0, admissionMaxUsagePct: 80, memoryCapPct: undefined })).toEqual([
      "admissionMaxUsagePct",
      "admissionMinFreeMiB",
    ]);
  });
});

describe("usedPct", () => {
  it.each([
    [0, 0, null],
    [500, 1000, 50],
    [7_777, 24_576, 31.6],
    [24_576, 24_576, 100],
  ])("%d of %d MiB → %s", (used, total, expected) => {
    expect(usedPct(used, total)).toBe(expected);
  });
});
