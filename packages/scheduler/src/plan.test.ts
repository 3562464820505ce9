// The tick's read of the fleet (loadFleet) against a real Postgres: the statement sends the fleet as
// one JSON array per column, so each node must come back whole, its columns from its own row.
import { useTestDatabase } from "@headroom/db/testing";
import { DEFAULT_THRESHOLDS } from "@headroom/protocol";
import { describe, expect, it } from "vitest";
import { loadFleet } from "./plan.ts";
import { makeJob, makeNode } from "./test-factories.ts";

const t = useTestDatabase();

describe("loadFleet", () => {
  it("reads a fleet without nodes as none", async () => {
    expect(await loadFleet(t.db)).toEqual([]);
  });

  it("reads each node with its own jobs in flight, its own settings and the fleet's", async () => {
    await t.db.fleetSettings.upsert({ where: { id: 1 }, create: { cleanupAbovePct: 75 }, update: { cleanupAbovePct: 75 } });
    const busy = await makeNode(t.db, { name: "busy", model: "model-a", provider: "cuda", maxConcurrent: 3, totalMiB: 80_000, usedMiB: 9_000 });
    const own = await makeNode(t.db, { name: "own-settings", status: "OFFLINE", drained: true, totalMiB: 48_000, usedMiB: 2_000 });
    const idle = await makeNode(t.db, { name: "idle", totalMiB: 24_000, usedMiB: 500 });
    await t.db.nodeSettingsOverride.create({ data: { nodeId: own.id, admissionMaxUsagePct: 80, memoryBudgetMiB: 40_000 } });
    await makeJob(t.db, { status: "PLACED", nodeId: busy.id, predictedPeakMiB: 1_000 });
    await makeJob(t.db, { status: "RUNNING", nodeId: busy.id, predictedPeakMiB: 2_500 });
    await makeJob(t.db, { status: "SUCCEEDED", nodeId: busy.id, predictedPeakMiB: 7_000 });
    await makeJob(t.db, { status: "QUEUED", predictedPeakMiB: 3_000 });

    const fleet = new Map((await loadFleet(t.db)).map((n) => [n.name, n]));
    expect(fleet.size).toBe(3);
    const fleetThresholds = { ...DEFAULT_THRESHOLDS, cleanupAbovePct: 75 };
    expect(fleet.get("busy")).toEqual({
      id: busy.id, name: "busy", predictionKey: expect.any(String), online: true, drained: false, maxConcurrent: 3,
      totalMiB: 80_000, usedMiB: 9_000, inFlight: 2, reservedMiB: 3_500, thresholds: fleetThresholds,
    });
    // The budget binds placement before the node's next heartbeat reports it.
    expect(fleet.get("own-settings")).toMatchObject({
      id: own.id, online: false, drained: true, totalMiB: 40_000, usedMiB: 2_000, inFlight: 0, reservedMiB: 0,
      thresholds: { ...fleetThresholds, admissionMaxUsagePct: 80, memoryBudgetMiB: 40_000 },
    });
    expect(fleet.get("idle")).toMatchObject({ id: idle.id, online: true, totalMiB: 24_000, usedMiB: 500, inFlight: 0, reservedMiB: 0, thresholds: fleetThresholds });
    expect(fleet.get("busy")!.predictionKey).not.toBe(fleet.get("idle")!.predictionKey);
  });
});
