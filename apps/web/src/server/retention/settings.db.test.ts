// Against a real Postgres: retention changes are validated whole, bump the version and leave one
// audit row each (listed with the thresholds' audit); no-ops and refusals leave nothing.
import { randomUUID } from "node:crypto";
import { useTestDatabase } from "@headroom/db/testing";
import { AppError, DEFAULT_RETENTION } from "@headroom/protocol";
import { beforeEach, describe, expect, it } from "vitest";
import { getFleetSettings, listSettingsAudit } from "../settings/service";
import { rejection } from "../test-support";
import { getRetention, updateRetention } from "./settings";

const t = useTestDatabase();
const admin = { label: "Ada Admin", id: randomUUID() };
const refusal = (p: Promise<unknown>) => rejection(p, AppError);

beforeEach(async () => {
  await t.db.settingsAudit.deleteMany();
  await t.db.retentionSettings.deleteMany();
});

describe("retention settings", () => {
  it("reads the defaults at version 1 before anything is stored: 48 h raw, 30 days of buckets, files kept", async () => {
    expect(await getRetention(t.db)).toEqual({ ...DEFAULT_RETENTION, version: 1 });
    expect(DEFAULT_RETENTION).toEqual({ rawSampleHours: 48, rollupRetentionDays: 30, fileRetentionDays: null });
  });

  it("applies a partial update, bumps the version, audits only what changed, and leaves the thresholds' version alone", async () => {
    const out = await updateRetention(t.db, { fileRetentionDays: 14, rawSampleHours: 48 }, admin);
    expect(out).toMatchObject({ version: 2, fileRetentionDays: 14, rawSampleHours: 48, rollupRetentionDays: 30 });
    expect(await getRetention(t.db)).toEqual({ rawSampleHours: 48, rollupRetentionDays: 30, fileRetentionDays: 14, version: 2 });
    expect(await listSettingsAudit(t.db, { limit: 10 })).toEqual([
      { id: expect.any(String), scope: "retention", nodeName: null, actorLabel: "Ada Admin", actorId: admin.id, changes: [{ field: "fileRetentionDays", from: null, to: 14 }], createdAt: expect.any(String) },
    ]);
    expect((await getFleetSettings(t.db)).version).toBe(1);

    // null turns file retention off again: files are kept.
    const off = await updateRetention(t.db, { fileRetentionDays: null, rollupRetentionDays: 90 }, admin);
    expect(off).toMatchObject({ version: 3, fileRetentionDays: null, rollupRetentionDays: 90 });
    const [latest] = await listSettingsAudit(t.db, { limit: 1, scope: "retention" });
    expect(latest!.changes).toEqual([{ field: "rollupRetentionDays", from: 30, to: 90 }, { field: "fileRetentionDays", from: 14, to: null }]);
  });

  it("writes nothing for a change that changes nothing", async () => {
    const out = await updateRetention(t.db, { rawSampleHours: 48 }, admin);
    expect(out).toMatchObject({ version: 1, changes: [] });
    expect(await t.db.settingsAudit.count()).toBe(0);
  });

  it.each([
    [{ rawSampleHours: 0 }, "rawSampleHours"],
    [{ rawSampleHours: 1.5 }, "rawSampleHours"],
    [{ rollupRetentionDays: 0 }, "rollupRetentionDays"],
    [{ fileRetentionDays: -1 }, "fileRetentionDays"],
    [{ fileRetentionDays: 0.5 }, "fileRetentionDays"],
    // Buckets that would be deleted as soon as they are written.
    [{ rawSampleHours: 72, rollupRetentionDays: 2 }, "rollupRetentionDays (2 days) must cover at least rawSampleHours (72 h)"],
  ])("refuses %j with INVALID_INPUT naming the field, and writes nothing", async (patch, words) => {
    const err = await refusal(updateRetention(t.db, patch, admin));
    expect(err.code).toBe("INVALID_INPUT");
    expect(err.httpStatus).toBe(400);
    expect(err.message).toContain(words);
    expect(await getRetention(t.db)).toEqual({ ...DEFAULT_RETENTION, version: 1 });
    expect(await t.db.settingsAudit.count()).toBe(0);
  });

  it("refuses a change made from a stale version with CONFLICT", async () => {
    await updateRetention(t.db, { rawSampleHours: 24 }, admin, { expectedVersion: 1 });
    const err = await refusal(updateRetention(t.db, { rawSampleHours: 12 }, admin, { expectedVersion: 1 }));
    expect(err.code).toBe("CONFLICT");
    expect((await getRetention(t.db)).rawSampleHours).toBe(24);
  });

  it("two admins at once: both changes land, each audited from what the other left", async () => {
    await Promise.all([updateRetention(t.db, { rawSampleHours: 24 }, admin), updateRetention(t.db, { fileRetentionDays: 7 }, admin)]);
    expect(await getRetention(t.db)).toEqual({ rawSampleHours: 24, rollupRetentionDays: 30, fileRetentionDays: 7, version: 3 });
    expect(await t.db.settingsAudit.count()).toBe(2);
  });
});
