// Against a real Postgres: settings changes are validated as the agents will see them, bump
// versions, and leave exactly one audit row each; no-ops and refusals leave nothing.
import { randomUUID } from "node:crypto";
import { useTestDatabase } from "@headroom/db/testing";
import { AppError, DEFAULT_THRESHOLDS } from "@headroom/protocol";
import { nodeSettings } from "@headroom/scheduler";
import { beforeEach, describe, expect, it } from "vitest";
import { getFleetSettings, getNodeSettings, listSettingsAudit, updateFleetSettings, updateNodeOverride } from "./service";
import { rejection } from "../test-support";

const t = useTestDatabase();
const admin = { label: "Ada Admin", id: randomUUID() };

beforeEach(async () => {
  await t.db.settingsAudit.deleteMany();
  await t.db.node.deleteMany();
  await t.db.fleetSettings.deleteMany();
});

async function makeNode(name = `gpu-${randomUUID().slice(0, 6)}`) {
  return t.db.node.create({ data: { name, hostname: "host", kind: "GPU", tokenHash: randomUUID(), totalMiB: 24_000 }, select: { id: true, name: true } });
}

const refusal = (p: Promise<unknown>) => rejection(p, AppError);

describe("fleet settings", () => {
  it("reads the defaults at version 1 before anything is stored", async () => {
    expect(await getFleetSettings(t.db)).toEqual({ thresholds: DEFAULT_THRESHOLDS, version: 1 });
  });

  it("applies a partial update, bumps the version and audits only what changed", async () => {
    const out = await updateFleetSettings(t.db, { cleanupAbovePct: 75, memoryCapPct: 90 }, admin);
    expect(out.version).toBe(2);
    expect(out.thresholds).toEqual({ ...DEFAULT_THRESHOLDS, cleanupAbovePct: 75 });
    expect(await getFleetSettings(t.db)).toEqual({ thresholds: out.thresholds, version: 2 });
    const audit = await listSettingsAudit(t.db, { limit: 10 });
    expect(audit).toEqual([
      { id: expect.any(String), scope: "fleet", nodeName: null, actorLabel: "Ada Admin", actorId: admin.id, changes: [{ field: "cleanupAbovePct", from: 80, to: 75 }], createdAt: expect.any(String) },
    ]);
  });

  it("writes nothing for a change that changes nothing", async () => {
    await updateFleetSettings(t.db, { cleanupAbovePct: 75 }, admin);
    const again = await updateFleetSettings(t.db, { cleanupAbovePct: 75 }, admin);
    expect(again.version).toBe(2);
    expect(again.changes).toEqual([]);
    expect(await t.db.settingsAudit.count()).toBe(1);
    expect((await updateFleetSettings(t.db, {}, admin)).version).toBe(2);
  });

  it.each([
    [{ sweepAbovePct: 85 }, "Sweep above (85 %) must not be above cleanup above (80 %)"],
    [{ sampleIntervalMs: 1000 }, "Sample interval must be between 50 and 250 ms"],
    [{ memoryCapPct: 99 }, "Memory cap (99 %) must not be above admission max usage (95 %)"],
    [{ memoryBudgetMiB: 100 }, "Memory budget must be 0 (the whole device) or at least 256 MiB"],
    [{ memoryBudgetMiB: -1 }, "Memory budget must be at least 0 MiB"],
    [{ memoryBudgetMiB: 1024.5 }, "Memory budget must be a whole number of MiB"],
  ])("refuses %j with a clear message and writes nothing", async (patch, message) => {
    const err = await refusal(updateFleetSettings(t.db, patch, admin));
    expect(err.code).toBe("INVALID_INPUT");
    expect(err.message).toBe(message);
    expect(await getFleetSettings(t.db)).toEqual({ thresholds: DEFAULT_THRESHOLDS, version: 1 });
    expect(await t.db.settingsAudit.count()).toBe(0);
  });

  it("sets a memory budget fleet-wide, audits it, and a node may override or clear it", async () => {
    const fleet = await updateFleetSettings(t.db, { memoryBudgetMiB: 2048 }, admin);
    expect(fleet.thresholds).toEqual({ ...DEFAULT_THRESHOLDS, memoryBudgetMiB: 2048 });
    expect(fleet.changes).toEqual([{ field: "memoryBudgetMiB", from: 0, to: 2048 }]);
    const node = await makeNode("gpu-budget");
    const err = await refusal(updateNodeOverride(t.db, node.id, { memoryBudgetMiB: 255 }, admin));
    expect(err.message).toBe("On node gpu-budget: Memory budget must be 0 (the whole device) or at least 256 MiB");
    const whole = await updateNodeOverride(t.db, node.id, { memoryBudgetMiB: 0 }, admin);
    expect(whole.effective.memoryBudgetMiB).toBe(0);
    expect(await nodeSettings(t.db, node.id)).toMatchObject({ thresholds: { memoryBudgetMiB: 0 } });
    const cleared = await updateNodeOverride(t.db, node.id, { memoryBudgetMiB: null }, admin);
    expect(cleared.effective.memoryBudgetMiB).toBe(2048);
    const audit = await listSettingsAudit(t.db, { limit: 10 });
    expect(audit.map((a) => a.changes)).toEqual([
      [{ field: "memoryBudgetMiB", from: 0, to: null }],
      [{ field: "memoryBudgetMiB", from: null, to: 0 }],
      [{ field: "memoryBudgetMiB", from: 0, to: 2048 }],
    ]);
  });

  it("accepts a change of several fields that is only consistent as a whole", async () => {
    const out = await updateFleetSettings(t.db, { sweepAbovePct: 85, cleanupAbovePct: 88 }, admin);
    expect(out.thresholds).toMatchObject({ sweepAbovePct: 85, cleanupAbovePct: 88 });
  });

  it("refuses a fleet change that would make a node's overrides inconsistent", async () => {
    const node = await makeNode("gpu-strict");
    await updateNodeOverride(t.db, node.id, { cleanupAbovePct: 85 }, admin);
    const err = await refusal(updateFleetSettings(t.db, { memoryCapPct: 82 }, admin));
    expect(err.code).toBe("INVALID_INPUT");
    expect(err.message).toBe("With node gpu-strict's overrides: Cleanup above (85 %) must not be above memory cap (82 %)");
  });

  it("refuses a stale expectedVersion with CONFLICT", async () => {
    await updateFleetSettings(t.db, { cleanupAbovePct: 75 }, admin);
    const err = await refusal(updateFleetSettings(t.db, { cleanupAbovePct: 70 }, admin, { expectedVersion: 1 }));
    expect(err.code).toBe("CONFLICT");
    expect((await updateFleetSettings(t.db, { cleanupAbovePct: 70 }, admin, { expectedVersion: 2 })).version).toBe(3);
  });

  it("serialises concurrent updates: each audit row's 'from' is the value the previous one set", async () => {
    await Promise.all([71, 72, 73, 74, 75].map((v) => updateFleetSettings(t.db, { cleanupAbovePct: v }, admin)));
    expect((await getFleetSettings(t.db)).version).toBe(6);
    const audit = (await listSettingsAudit(t.db, { limit: 10 })).reverse();
    expect(audit).toHaveLength(5);
    expect(audit[0]!.changes[0]!.from).toBe(80);
    for (let i = 1; i < audit.length; i++) expect(audit[i]!.changes[0]!.from).toBe(audit[i - 1]!.changes[0]!.to);
  });
});

describe("node overrides", () => {
  it("sets and clears fields, validates the effective set, bumps the version and audits by node", async () => {
    const node = await makeNode("gpu-a");
    const before = await getNodeSettings(t.db, node.id);
    expect(before).toMatchObject({ nodeName: "gpu-a", version: 0, effective: DEFAULT_THRESHOLDS, settingsVersion: 100_000 });
    expect(Object.values(before.override).every((v) => v === null)).toBe(true);

    const set = await updateNodeOverride(t.db, node.id, { cleanupAbovePct: 85, sweepIntervalS: 60 }, admin);
    expect(set).toMatchObject({ version: 1, settingsVersion: 100_001, override: { cleanupAbovePct: 85, sweepIntervalS: 60, memoryCapPct: null } });
    expect(set.effective).toEqual({ ...DEFAULT_THRESHOLDS, cleanupAbovePct: 85, sweepIntervalS: 60 });
    // What the agent gets on its next heartbeat agrees.
    expect(await nodeSettings(t.db, node.id)).toEqual({ thresholds: set.effective, settingsVersion: 100_001 });

    const cleared = await updateNodeOverride(t.db, node.id, { cleanupAbovePct: null }, admin);
    expect(cleared).toMatchObject({ version: 2, override: { cleanupAbovePct: null, sweepIntervalS: 60 } });
    expect(cleared.effective.cleanupAbovePct).toBe(80);

    const audit = await listSettingsAudit(t.db, { limit: 10, scope: node.id });
    expect(audit.map((a) => [a.scope, a.nodeName, a.changes])).toEqual([
      [node.id, "gpu-a", [{ field: "cleanupAbovePct", from: 85, to: null }]],
      [node.id, "gpu-a", [{ field: "cleanupAbovePct", from: null, to: 85 }, { field: "sweepIntervalS", from: null, to: 60 }]],
    ]);
  });

  it("writes nothing when clearing what is already clear", async () => {
    const node = await makeNode();
    const out = await updateNodeOverride(t.db, node.id, { memoryCapPct: null }, admin);
    expect(out.version).toBe(0);
    expect(await t.db.nodeSettingsOverride.count()).toBe(0);
    expect(await t.db.settingsAudit.count()).toBe(0);
  });

  it("keeps counting versions after every field is cleared", async () => {
    const node = await makeNode();
    await updateNodeOverride(t.db, node.id, { jobTimeoutS: 60 }, admin);
    await updateNodeOverride(t.db, node.id, { jobTimeoutS: null }, admin);
    expect((await updateNodeOverride(t.db, node.id, { jobTimeoutS: 90 }, admin)).version).toBe(3);
  });

  it.each([
    [{ sweepAbovePct: 85 }, "On node gpu-b: Sweep above (85 %) must not be above cleanup above (80 %)"],
    [{ cleanupAbovePct: 120 }, "On node gpu-b: Cleanup above must be between 0 and 100 %; Cleanup above (120 %) must not be above memory cap (90 %)"],
    [{ batchCleanupEvery: 2.5 }, "On node gpu-b: Batch cleanup every must be a whole number of images"],
  ])("refuses %j as the effective set would be invalid", async (patch, message) => {
    const node = await makeNode("gpu-b");
    const err = await refusal(updateNodeOverride(t.db, node.id, patch, admin));
    expect(err.code).toBe("INVALID_INPUT");
    expect(err.message).toBe(message);
    expect(await t.db.settingsAudit.count()).toBe(0);
  });

  it("answers NOT_FOUND for an unknown or malformed node id", async () => {
    expect((await refusal(getNodeSettings(t.db, randomUUID()))).code).toBe("NOT_FOUND");
    expect((await refusal(getNodeSettings(t.db, "not-a-uuid"))).code).toBe("NOT_FOUND");
    expect((await refusal(updateNodeOverride(t.db, randomUUID(), { memoryCapPct: 80 }, admin))).code).toBe("NOT_FOUND");
  });

  it("lists audit entries newest first, limited", async () => {
    const node = await makeNode("gpu-c");
    await updateFleetSettings(t.db, { jobTimeoutS: 100 }, admin);
    await updateNodeOverride(t.db, node.id, { jobTimeoutS: 50 }, { label: "API key ci", id: null });
    await updateFleetSettings(t.db, { jobTimeoutS: 200 }, admin);
    const audit = await listSettingsAudit(t.db, { limit: 2 });
    expect(audit.map((a) => [a.scope, a.actorLabel])).toEqual([["fleet", "Ada Admin"], [node.id, "API key ci"]]);
  });
});
