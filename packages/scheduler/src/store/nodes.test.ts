// Against a real Postgres: the fresh-runner baseline (Node.freshUsedMiB) that reclaim reads is
// written with the registration or event that reports it, and backfilled from old events.
import { randomUUID } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { useTestDatabase } from "@headroom/db/testing";
import type { TMemoryReading, TNodeEventsRequest } from "@headroom/protocol";
import { describe, expect, it } from "vitest";
import { latestFreshEvent, recordRegistration, storeNodeEvents } from "./nodes.ts";

const t = useTestDatabase();

const reading = (usedMiB: number): TMemoryReading => ({ usedMiB, totalMiB: 8_192, freeMiB: 8_192 - usedMiB, processMiB: null, utilPct: null, source: "host" });
const register = (usedMiB: number, name = `cpu-${randomUUID().slice(0, 6)}`) =>
  recordRegistration(t.db, { name, hostname: "host", kind: "CPU", gpuIndex: null, gpuName: null, provider: "cpu", providerNotes: [], agentVersion: "test", memory: reading(usedMiB) }, randomUUID());
const baseline = async (nodeId: string) => t.db.node.findUniqueOrThrow({ where: { id: nodeId }, select: { freshUsedMiB: true, freshUsedAt: true } });
type TEvent = TNodeEventsRequest["events"][number];
const event = (type: string, afterMiB: number | null, atMs: number, data: TEvent["data"] = null): TEvent => ({ type, at: new Date(atMs).toISOString(), beforeMiB: 2_000, afterMiB, data });

describe("latestFreshEvent", () => {
  const cases: [string, TEvent[], number | null][] = [
    ["nothing", [], null],
    ["a cleanup", [event("cleanup", 300, 1)], 300],
    ["a sweep", [event("sweep", 310, 1)], 310],
    ["other kinds are no baseline", [event("runner_restart", 300, 1), event("oom", 200, 2)], null],
    ["one slot recycled beside grown ones is no baseline", [event("cleanup", 900, 1, { slot: 0, allFresh: false })], null],
    ["all slots fresh is", [event("cleanup", 900, 1, { slot: 0, allFresh: false }), event("cleanup", 350, 2, { slot: 1, allFresh: true })], 350],
    ["the latest by time, not by order in the batch", [event("cleanup", 320, 5), event("sweep", 400, 3)], 320],
  ];
  it.each(cases)("%s", (_, events, afterMiB) => {
    expect(latestFreshEvent(events)?.afterMiB ?? null).toBe(afterMiB);
  });
});

describe("the fresh-runner baseline", () => {
  it("is the registration reading, then each reported all-fresh cleanup or sweep", async () => {
    const { nodeId } = await register(300);
    expect((await baseline(nodeId)).freshUsedMiB).toBe(300);
    const now = Date.now() + 1_000;
    await storeNodeEvents(t.db, nodeId, { events: [event("cleanup", 420, now)] });
    expect(await baseline(nodeId)).toEqual({ freshUsedMiB: 420, freshUsedAt: new Date(now) });
    await storeNodeEvents(t.db, nodeId, { events: [event("cleanup", 900, now + 1, { slot: 0, allFresh: false }), event("runner_restart", null, now + 2)] });
    expect((await baseline(nodeId)).freshUsedMiB).toBe(420);
    await storeNodeEvents(t.db, nodeId, { events: [event("sweep", 380, now + 3)] });
    expect((await baseline(nodeId)).freshUsedMiB).toBe(380);
    // Every event is stored, whatever it does to the baseline.
    expect(await t.db.nodeEvent.count({ where: { nodeId } })).toBe(5);
  });

  it("an event that arrives late does not replace a newer reading; registering again resets it", async () => {
    const name = `cpu-${randomUUID().slice(0, 6)}`;
    const { nodeId } = await register(300, name);
    const now = Date.now() + 1_000;
    await storeNodeEvents(t.db, nodeId, { events: [event("cleanup", 420, now)] });
    await storeNodeEvents(t.db, nodeId, { events: [event("cleanup", 999, now - 60_000)] });
    expect((await baseline(nodeId)).freshUsedMiB).toBe(420);
    await new Promise((r) => setTimeout(r, 1_100)); // past `now`
    expect((await register(250, name)).nodeId).toBe(nodeId);
    expect((await baseline(nodeId)).freshUsedMiB).toBe(250);
  });

  it("the migration's backfill takes each node's latest all-fresh event, as reclaim's scan did", async () => {
    const { nodeId: a } = await register(300);
    const { nodeId: b } = await register(500);
    const { nodeId: c } = await register(700);
    const at = (s: number) => new Date(Date.now() + s * 1_000);
    await t.db.nodeEvent.createMany({
      data: [
        { nodeId: a, type: "cleanup", afterMiB: 410, createdAt: at(1) },
        { nodeId: a, type: "cleanup", afterMiB: 990, createdAt: at(2), data: { slot: 0, allFresh: false } },
        { nodeId: a, type: "oom", afterMiB: 10, createdAt: at(3) },
        { nodeId: b, type: "sweep", afterMiB: 520, createdAt: at(1), data: { allFresh: true } },
      ],
    });
    await t.db.node.updateMany({ data: { freshUsedMiB: null, freshUsedAt: null } });
    await t.db.$executeRawUnsafe(backfillSql());
    const got = await t.db.node.findMany({ where: { id: { in: [a, b, c] } }, select: { id: true, freshUsedMiB: true } });
    expect(Object.fromEntries(got.map((n) => [n.id, n.freshUsedMiB]))).toEqual({ [a]: 410, [b]: 520, [c]: 700 });
  });
});

/** The backfill statement of the migration that added the columns. */
function backfillSql(): string {
  const dir = path.resolve(import.meta.dirname, "../../../../prisma/migrations");
  const name = readdirSync(dir).find((d) => d.endsWith("_node_fresh_baseline"));
  const sql = readFileSync(path.join(dir, name!, "migration.sql"), "utf8");
  return sql.slice(sql.indexOf("UPDATE"));
}
