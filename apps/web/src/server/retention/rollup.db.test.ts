// The sample rollup against a real Postgres: raw rows past the window become 1-minute buckets in
// batches, old buckets go, and the charts read the same numbers before and after.
import { randomUUID } from "node:crypto";
import { useTestDatabase } from "@headroom/db/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { getJobMemory } from "../jobs/job-memory";
import { nodeMemorySeries } from "../nodes/memory-series";
import { RETENTION_LOCK_KEY, runRetention } from "./run";

const t = useTestDatabase();
const NOW = Date.parse("2030-06-01T12:00:00.000Z");
const H = 3_600_000;
const DAY = 24 * H;
const noFiles = {
  remove: async () => { throw new Error("file retention is off by default; nothing may be removed"); },
  storedBefore: async function* (): AsyncIterable<string> {},
};
let nodeId: string;
let otherId: string;
let oldJobId: string;

const iso = (ms: number) => new Date(ms).toISOString();

beforeAll(async () => {
  const mk = (name: string) => t.db.node.create({ data: { name, hostname: "h", kind: "GPU", tokenHash: randomUUID(), totalMiB: 10_000, lastHeartbeatAt: new Date(NOW) } });
  nodeId = (await mk("rollup-node")).id;
  otherId = (await mk("rollup-other")).id;
  // 60 h at one sample every 10 s (21,601 rows), with values that differ within every minute so
  // min, max and average all have something to get wrong. 12 h of it lie past the 48 h raw window.
  await t.db.$executeRaw`
    INSERT INTO "MemorySample" ("nodeId", "at", "usedMiB", "totalMiB", "processMiB", "utilPct")
    SELECT ${nodeId}::uuid, ${iso(NOW)}::timestamp - (i * interval '10 seconds'), 1000 + (i * 37) % 900, 10000, 500 + i % 50, (i % 100)::float8
    FROM generate_series(0, 21600) AS i`;
  await t.db.$executeRaw`
    INSERT INTO "MemorySample" ("nodeId", "at", "usedMiB", "totalMiB")
    SELECT ${otherId}::uuid, ${iso(NOW)}::timestamp - (i * interval '1 minute'), 9000, 10000 FROM generate_series(0, 3599) AS i`;
  // One sample 40 days old: rolled up, then past the 30-day bucket retention.
  await t.db.memorySample.create({ data: { nodeId, at: new Date(NOW - 40 * DAY), usedMiB: 1, totalMiB: 10_000 } });
  oldJobId = (await t.db.job.create({
    data: {
      fileName: "old.png", mimeType: "image/png", sizeBytes: 1, sha256: "0".repeat(64), storageKey: randomUUID(), status: "SUCCEEDED", nodeId,
      createdAt: new Date(NOW - 50 * H - 60_000), placedAt: new Date(NOW - 50 * H), startedAt: new Date(NOW - 50 * H), finishedAt: new Date(NOW - 50 * H + 5 * 60_000),
    },
  })).id;
});

const rawOlderThan = (ms: number) => t.db.memorySample.count({ where: { at: { lt: new Date(ms) } } });

describe("sample rollup", () => {
  it("rolls up old raw samples into minutes, in batches, and the charts read the same numbers", async () => {
    const chartBefore = await nodeMemorySeries(t.db, nodeId, "7d", NOW);
    const dayBefore = await nodeMemorySeries(t.db, nodeId, "24h", NOW - 36 * H);
    const jobBefore = await getJobMemory(t.db, oldJobId, NOW);
    const otherBefore = await nodeMemorySeries(t.db, otherId, "7d", NOW);

    // 997 rows a batch: not a multiple of a minute's 6 samples, so minutes are split across
    // batches and must merge exactly.
    const r = await runRetention(t.db, noFiles, { now: new Date(NOW), batchRows: 997 });
    expect(r.locked).toBe(true);
    // 12 h × 360 samples of the chart node, 12 h × 60 of the other less the one exactly at the
    // window's edge (kept: older than, not as old as), and the 40-day-old one.
    expect(r.samplesRolledUp).toBe(12 * 360 + (12 * 60 - 1) + 1);
    expect(r.minutesDeleted).toBe(1);
    expect(await rawOlderThan(NOW - 48 * H)).toBe(0);
    expect(await rawOlderThan(NOW - 48 * H + 60_000)).toBe(6 + 1); // the raw window is untouched
    expect(await t.db.memorySampleMinute.count({ where: { nodeId } })).toBe(12 * 60);
    expect(await t.db.memorySampleMinute.count({ where: { minute: { lt: new Date(NOW - 30 * DAY) } } })).toBe(0);

    // Two rolled-up minutes checked by hand: sample i is at NOW − 10·i s, so the minute starting at
    // NOW − 60 h holds i = 21600 … 21595 and the next one i = 21594 … 21589.
    const used = (i: number) => 1000 + ((i * 37) % 900);
    for (const [minuteMs, firstI] of [[NOW - 60 * H, 21600], [NOW - 60 * H + 60_000, 21594]] as const) {
      const row = await t.db.memorySampleMinute.findUniqueOrThrow({ where: { nodeId_minute: { nodeId, minute: new Date(minuteMs) } } });
      const inMinute = Array.from({ length: 6 }, (_, k) => used(firstI - k));
      expect(row).toMatchObject({
        samples: 6, minUsedMiB: Math.min(...inMinute), maxUsedMiB: Math.max(...inMinute), sumUsedMiB: BigInt(inMinute.reduce((a, b) => a + b, 0)),
        maxTotalMiB: 10_000, lastAt: new Date(minuteMs + 50_000),
      });
    }

    // The 7-day chart (hourly buckets) spans both periods and reads exactly what it read before.
    const chartAfter = await nodeMemorySeries(t.db, nodeId, "7d", NOW);
    expect(chartAfter).toEqual(chartBefore);
    expect(chartAfter.points.some((p) => p.t < NOW - 48 * H)).toBe(true);
    expect(chartAfter.points.some((p) => p.t >= NOW - 48 * H)).toBe(true);
    // A 24 h chart (5-minute buckets) across the window's edge: whole minutes per bucket, so the same too.
    expect(await nodeMemorySeries(t.db, nodeId, "24h", NOW - 36 * H)).toEqual(dayBefore);
    expect(await nodeMemorySeries(t.db, otherId, "7d", NOW)).toEqual(otherBefore);

    // A job's chart from the rolled-up period still answers, at minute resolution: every minute the
    // job's window touches counts whole, so it holds every sample it held before (and the rest of
    // the edge minutes), the same peak, and spans the job.
    const jobAfter = await getJobMemory(t.db, oldJobId, NOW);
    const count = (j: typeof jobAfter) => j!.series.points.reduce((n, p) => n + p.samples, 0);
    const max = (j: typeof jobAfter) => Math.max(...j!.series.points.map((p) => p.maxUsedMiB));
    expect(count(jobBefore)).toBe(5 * 6 + 6 + 1); // placed − 30 s to finished + 30 s, every 10 s
    expect(count(jobAfter)).toBe(7 * 6); // minutes placed − 1 min … finished, whole
    expect(max(jobAfter)).toBeGreaterThanOrEqual(max(jobBefore));
    expect(jobAfter!.series.points[0]!.t).toBeLessThanOrEqual(NOW - 50 * H);
    expect(jobAfter!.series.points.at(-1)!.lastAt).toBeGreaterThanOrEqual(NOW - 50 * H + 5 * 60_000);
  });

  it("is idempotent: a second pass finds nothing and changes nothing", async () => {
    const before = await nodeMemorySeries(t.db, nodeId, "7d", NOW);
    const r = await runRetention(t.db, noFiles, { now: new Date(NOW), batchRows: 997 });
    expect(r).toEqual({ locked: true, samplesRolledUp: 0, minutesWritten: 0, minutesDeleted: 0, filesExpired: 0, orphansRemoved: 0 });
    expect(await nodeMemorySeries(t.db, nodeId, "7d", NOW)).toEqual(before);
  });

  it("merges late raw rows into a minute that is already rolled up", async () => {
    const minute = new Date(NOW - 55 * H);
    const row = await t.db.memorySampleMinute.findUniqueOrThrow({ where: { nodeId_minute: { nodeId, minute } } });
    await t.db.memorySample.create({ data: { nodeId, at: new Date(minute.getTime() + 30_500), usedMiB: 9_999, totalMiB: 10_000 } });
    await runRetention(t.db, noFiles, { now: new Date(NOW) });
    const merged = await t.db.memorySampleMinute.findUniqueOrThrow({ where: { nodeId_minute: { nodeId, minute } } });
    expect(merged).toMatchObject({ samples: row.samples + 1, maxUsedMiB: 9_999, minUsedMiB: row.minUsedMiB, sumUsedMiB: row.sumUsedMiB + 9_999n });
  });

  it("follows the raw window setting", async () => {
    await t.db.retentionSettings.create({ data: { id: 1, rawSampleHours: 24 } });
    const r = await runRetention(t.db, noFiles, { now: new Date(NOW) });
    expect(r.samplesRolledUp).toBe(24 * 360 + 24 * 60);
    expect(await rawOlderThan(NOW - 24 * H)).toBe(0);
    await t.db.retentionSettings.delete({ where: { id: 1 } });
  });

  it("does nothing while another replica holds the retention lock", async () => {
    await t.db.memorySample.create({ data: { nodeId, at: new Date(NOW - 50 * H), usedMiB: 5, totalMiB: 10_000 } });
    const r = await t.db.$transaction(async (tx) => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(${RETENTION_LOCK_KEY})`;
      return runRetention(t.db, noFiles, { now: new Date(NOW) });
    });
    expect(r).toMatchObject({ locked: false, samplesRolledUp: 0 });
    expect(await rawOlderThan(NOW - 48 * H)).toBe(1);
    expect((await runRetention(t.db, noFiles, { now: new Date(NOW) })).samplesRolledUp).toBe(1);
  });
});
