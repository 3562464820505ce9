import { describe, expect, it } from "vitest";
import { ZHeartbeatResponseSchema } from "./agent.ts";
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
