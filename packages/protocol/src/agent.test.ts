import { describe, expect, it } from "vitest";
import { ZHeartbeatResponseSchema, ZRegisterResponseSchema } from "./agent.ts";
import { DEFAULT_THRESHOLDS } from "./thresholds.ts";

describe("heartbeat answer: reclaim is optional both ways", () => {
  const answer = { thresholds: DEFAULT_THRESHOLDS, settingsVersion: 1, drained: false, revokedJobs: [] };
  it.each<[string, Record<string, unknown>, unknown]>([
    ["an older control plane leaves it out", answer, undefined],
    ["nothing to reclaim", { ...answer, reclaim: null }, null],
    ["a queued job needs memory back", { ...answer, reclaim: { reason: "a queued job needs 704 MiB", neededMiB: 704 } }, { reason: "a queued job needs 704 MiB", neededMiB: 704 }],
  ])("%s", (_name, body, reclaim) => expect(ZHeartbeatResponseSchema.parse(body).reclaim).toEqual(reclaim));

  it("an older agent's schema (without the field) drops it", () => {
    const older = ZHeartbeatResponseSchema.omit({ reclaim: true });
    expect(older.parse({ ...answer, reclaim: { reason: "r", neededMiB: 1 } })).not.toHaveProperty("reclaim");
  });
});

describe("thresholds from a control plane that predates the memory budget", () => {
  const { memoryBudgetMiB: _left, ...older } = DEFAULT_THRESHOLDS;
  it("registration and heartbeats read as no budget, not as a protocol error", () => {
    expect(ZRegisterResponseSchema.parse({ nodeId: "n", token: "t", thresholds: older, settingsVersion: 1 }).thresholds.memoryBudgetMiB).toBe(0);
    const beat = ZHeartbeatResponseSchema.parse({ thresholds: older, settingsVersion: 1, drained: false, revokedJobs: [] });
    expect(beat.thresholds).toEqual({ ...older, memoryBudgetMiB: 0 });
  });
  it("a budget that is sent is still validated", () => {
    expect(() => ZHeartbeatResponseSchema.parse({ thresholds: { ...older, memoryBudgetMiB: 100 }, settingsVersion: 1, drained: false, revokedJobs: [] })).toThrow(/at least/);
  });
});
