// Against a real Postgres: an agent's memory samples are stored in one statement, each keeping its
// job only when that job is the node's own; a sample with a time that is not one is refused.
import { randomUUID } from "node:crypto";
import { useTestDatabase } from "@headroom/db/testing";
import { AppError, type TSamplesRequest } from "@headroom/protocol";
import { describe, expect, it } from "vitest";
import { makeJob, makeNode } from "../test-factories.ts";
import { storeSamples } from "./samples.ts";

const t = useTestDatabase();

const sample = (at: string, jobId: string | null, usedMiB = 4_000): TSamplesRequest["samples"][number] => ({ at, usedMiB, totalMiB: 80_000, processMiB: 2_500, utilPct: 37.5, jobId });

describe("storeSamples", () => {
  it("stores every sample with its values and time, and keeps a job only when the node holds it", async () => {
    const node = await makeNode(t.db);
    const other = await makeNode(t.db);
    const own = await makeJob(t.db, { nodeId: node.id, status: "RUNNING" });
    const others = await makeJob(t.db, { nodeId: other.id, status: "RUNNING" });
    const stored = await storeSamples(t.db, node.id, {
      samples: [
        sample("2026-12-07T04:00:00.250Z", own.id, 4_100),
        sample("2026-12-07T04:00:00.500Z", others.id),
        sample("2026-12-07T04:00:00.750Z", randomUUID()),
        sample("2026-12-07T04:00:01.000Z", "not-a-job-id"),
        sample("2026-12-07T05:00:01.000+01:00", null),
      ],
    });
    expect(stored).toBe(5);
    const rows = await t.db.memorySample.findMany({ where: { nodeId: node.id }, orderBy: { at: "asc" } });
    expect(rows.map((r) => [r.at.toISOString(), r.jobId])).toEqual([
      ["2026-12-07T04:00:00.250Z", own.id],
      ["2026-12-07T04:00:00.500Z", null],
      ["2026-12-07T04:00:00.750Z", null],
      ["2026-12-07T04:00:01.000Z", null],
      ["2026-12-07T04:00:01.000Z", null],
    ]);
    expect(rows[0]).toMatchObject({ usedMiB: 4_100, totalMiB: 80_000, processMiB: 2_500, utilPct: 37.5 });
    expect(await t.db.memorySample.count({ where: { nodeId: other.id } })).toBe(0);
  });

  it("stores nothing for an empty batch, and refuses a batch with a time that is not one, storing none of it", async () => {
    const node = await makeNode(t.db);
    expect(await storeSamples(t.db, node.id, { samples: [] })).toBe(0);
    const err = await storeSamples(t.db, node.id, { samples: [sample("2026-12-07T04:00:00Z", null), sample("yesterday-ish", null)] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ code: "INVALID_INPUT", message: expect.stringContaining("samples.1.at") });
    expect(await t.db.memorySample.count({ where: { nodeId: node.id } })).toBe(0);
  });
});
