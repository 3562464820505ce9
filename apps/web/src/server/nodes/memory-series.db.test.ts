// Downsampled memory series and leak trends against a real Postgres.
import { randomUUID } from "node:crypto";
import { useTestDatabase } from "@headroom/db/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { bucketStartMs } from "../../lib/memory-buckets";
import { getJobMemory } from "../jobs/job-memory";
import { leakTrendsByNode } from "./leak";
import { listNodes } from "./list-nodes";
import { memoryBuckets, nodeMemorySeries } from "./memory-series";

const t = useTestDatabase();
let nodeId: string;
let otherId: string;
const NOW = Date.parse("2030-05-01T12:00:00.000Z");
const H = 3_600_000;

beforeAll(async () => {
  const mk = (name: string) => t.db.node.create({ data: { name, hostname: "h", kind: "GPU", tokenHash: randomUUID(), totalMiB: 10_000, usedMiB: 9_500, freeMiB: 500, lastHeartbeatAt: new Date(NOW) } });
  nodeId = (await mk("chart-node")).id;
  otherId = (await mk("other-node")).id;
  // 7 days at one sample every 5 s (120,960 rows): usedMiB climbs by one each sample within each
  // hour (0..719), so each bucket's max and avg are known. The other node has noise that must not leak in.
  await t.db.$executeRaw`
    INSERT INTO "MemorySample" ("nodeId", "at", "usedMiB", "totalMiB", "processMiB")
    SELECT ${nodeId}::uuid, ${new Date(NOW).toISOString()}::timestamp - (i * interval '5 seconds'), (120960 - i) % 720, 10000, 100
    FROM generate_series(0, 120959) AS i`;
  await t.db.$executeRaw`
    INSERT INTO "MemorySample" ("nodeId", "at", "usedMiB", "totalMiB")
    SELECT ${otherId}::uuid, ${new Date(NOW).toISOString()}::timestamp - (i * interval '5 seconds'), 9999, 10000 FROM generate_series(0, 999) AS i`;
});

describe("memory series", () => {
  it("downsamples 7 days into hourly buckets with the right max and avg", async () => {
    const s = await nodeMemorySeries(t.db, nodeId, "7d", NOW);
    expect(s.bucketMs).toBe(H);
    expect(s.points.length).toBeLessThanOrEqual(300);
    expect(s.points.length).toBe(169);
    const full = s.points[10]!;
    expect(full).toMatchObject({ samples: 720, maxUsedMiB: 719, avgUsedMiB: 359.5, maxProcessMiB: 100, totalMiB: 10_000 });
    expect(full.t % H).toBe(0);
    expect(s.lastSampleAt).toBe(NOW);
    expect(s.points.every((p, i) => i === 0 || p.t > s.points[i - 1]!.t)).toBe(true);
  });

  it("puts samples in the same buckets as the client's bucket math", async () => {
    const width = 15_000;
    const pts = await memoryBuckets(t.db, nodeId, NOW - 10 * 60_000, NOW, width);
    expect(pts.map((p) => p.t)).toEqual(pts.map((p) => bucketStartMs(p.lastAt, width)));
    expect(pts.reduce((n, p) => n + p.samples, 0)).toBe(121);
  });

  it("keeps the live range at raw resolution and adds event markers", async () => {
    await t.db.nodeEvent.createMany({
      data: [
        { nodeId, type: "cleanup", createdAt: new Date(NOW - 30_000), beforeMiB: 9_000, afterMiB: 2_000, freedMiB: 7_000 },
        { nodeId, type: "sweep", createdAt: new Date(NOW - 3 * 60_000), beforeMiB: 8_000, afterMiB: 2_000, freedMiB: 6_000 },
        { nodeId, type: "settings_applied", createdAt: new Date(NOW - 10_000) },
        { nodeId: otherId, type: "oom", createdAt: new Date(NOW - 10_000) },
      ],
    });
    const live = await nodeMemorySeries(t.db, nodeId, "live", NOW);
    expect(live.bucketMs).toBe(500);
    expect(live.points.every((p) => p.samples === 1)).toBe(true);
    expect(live.points.length).toBe(25);
    expect(live.markers).toEqual([{ at: NOW - 30_000, type: "cleanup", beforeMiB: 9_000, afterMiB: 2_000, freedMiB: 7_000 }]);
    expect((await nodeMemorySeries(t.db, nodeId, "15m", NOW)).markers.map((m) => m.type)).toEqual(["sweep", "cleanup"]);
  });

  it("draws a job's node around the job, with its peak", async () => {
    const job = await t.db.job.create({
      data: {
        fileName: "a.png", mimeType: "image/png", sizeBytes: 1, sha256: "0".repeat(64), storageKey: randomUUID(), status: "SUCCEEDED", nodeId,
        placedAt: new Date(NOW - 120_000), startedAt: new Date(NOW - 110_000), finishedAt: new Date(NOW - 60_000), observedPeakMiB: 700,
      },
    });
    await t.db.memorySample.create({ data: { nodeId, jobId: job.id, at: new Date(NOW - 90_000 + 1), usedMiB: 700, totalMiB: 10_000 } });
    const m = (await getJobMemory(t.db, job.id, NOW))!;
    expect(m.series.fromMs).toBeLessThanOrEqual(NOW - 150_000);
    expect(m.series.toMs).toBe(NOW - 30_000);
    expect(m.peak).toEqual({ usedMiB: 700, at: NOW - 90_000 + 1 });
    expect(m.nodeName).toBe("chart-node");
  });
});

describe("leak trend", () => {
  it("fits after-cleanup memory over 24 h per node, and reports it on the node", async () => {
    await t.db.nodeEvent.createMany({
      data: [0, 1, 2, 3].map((i) => ({ nodeId: otherId, type: i % 2 ? "sweep" : "cleanup", createdAt: new Date(NOW - (4 - i) * H), afterMiB: 1_000 + i * 200 })),
    });
    // Outside the 24 h window: ignored.
    await t.db.nodeEvent.create({ data: { nodeId: otherId, type: "cleanup", createdAt: new Date(NOW - 30 * H), afterMiB: 50_000 } });
    const trends = await leakTrendsByNode(t.db, NOW);
    expect(trends.get(otherId)).toEqual({ mibPerHour: 200, points: 4, warn: true });
    const { nodes } = await listNodes(t.db, { nowMs: NOW, offlineAfterMs: 15_000 });
    const other = nodes.find((n) => n.id === otherId)!;
    expect(other.alerts).toEqual({ memory: true, leak: { mibPerHour: 200, points: 4, warn: true } });
    // chart-node: two cleanups only (from the test above), so no trend; 95 % used is above the 90 % alert.
    expect(nodes.find((n) => n.id === nodeId)!.alerts).toEqual({ memory: true, leak: null });
  });
});
