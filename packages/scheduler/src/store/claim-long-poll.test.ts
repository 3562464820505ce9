// The claim long-poll against a real Postgres: it wakes on the scheduler's NOTIFY.
import type { PrismaClient } from "@headroom/db";
import { PgListener } from "@headroom/db/listener";
import { useTestDatabase, withApplicationName } from "@headroom/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { schedulerTick } from "../tick.ts";
import { claimForNode } from "./claim-long-poll.ts";

const t = useTestDatabase();
let listener: PgListener;
beforeAll(async () => {
  listener = new PgListener(t.url);
  await listener.ensureConnected();
});
afterAll(async () => {
  await listener.close();
});

const node = () => t.db.node.create({ data: { name: `n-${Math.random()}`, hostname: "h", kind: "CPU", tokenHash: `${Math.random()}`, totalMiB: 8_000, usedMiB: 100, lastHeartbeatAt: new Date() } });
const job = () => t.db.job.create({ data: { fileName: "a.png", mimeType: "image/png", sizeBytes: 1, sha256: "0", storageKey: `${Math.random()}`, widthPx: 100, heightPx: 100 } });

describe("claimForNode", () => {
  it("gets a job placed while it waits", async () => {
    const n = await node();
    const waiting = claimForNode(t.db, listener, n.id, 20_000, 30_000, new AbortController().signal);
    await new Promise((r) => setTimeout(r, 300));
    const j = await job();
    await schedulerTick(t.db, { nodeOfflineMs: 60_000 });
    const placedAt = Date.now();
    expect(await waiting).toMatchObject({ jobId: j.id, attempt: 1, filePath: `/api/agent/v1/jobs/${j.id}/file` });
    // Woken by the placement's NOTIFY: while listening there is no poll.
    expect(Date.now() - placedAt).toBeLessThan(2_500);
  });

  it("wakes only the long-poll of the node a job was placed on", async () => {
    const [a, b] = [await node(), await node()];
    const ac = new AbortController();
    const claims: { jobId: string }[] = [];
    const waitingA = claimForNode(t.db, listener, a.id, 20_000, 30_000, ac.signal).then((x) => x && claims.push(x));
    const waitingB = claimForNode(t.db, listener, b.id, 20_000, 30_000, ac.signal).then((x) => x && claims.push(x));
    await new Promise((r) => setTimeout(r, 300));
    // Placed on b only: b's long-poll claims it at once; a's keeps waiting (and then hangs up empty).
    const j = await job();
    await t.db.job.update({ where: { id: j.id }, data: { status: "PLACED", nodeId: b.id } });
    const notifiedAt = Date.now();
    await t.db.$executeRaw`SELECT pg_notify('headroom_placed', ${b.id})`;
    await waitingB;
    expect(Date.now() - notifiedAt).toBeLessThan(2_500); // the NOTIFY
    expect(claims.map((c) => c.jobId)).toEqual([j.id]);
    ac.abort();
    await waitingA;
    expect(claims).toHaveLength(1);
  });

  it("answers null once the wait is over, and at once when the agent hangs up", async () => {
    const n = await node();
    expect(await claimForNode(t.db, listener, n.id, 200, 30_000, new AbortController().signal)).toBeNull();
    const ac = new AbortController();
    const waiting = claimForNode(t.db, listener, n.id, 20_000, 30_000, ac.signal);
    ac.abort();
    expect(await waiting).toBeNull();
  });

  it("while listening, a waiting long-poll looks only when it starts", async () => {
    const n = await node();
    const { db, claims } = countingClaims();
    expect(await claimForNode(db, listener, n.id, 5_500, 30_000, new AbortController().signal)).toBeNull();
    // A poll every few seconds, and a last look when the wait ran out, would have made it three or more.
    expect(claims()).toBe(1);
  });

  it("claims nothing for an agent that hung up, even with a job placed for it", async () => {
    const n = await node();
    const { db, claims } = countingClaims();
    const ac = new AbortController();
    const waiting = claimForNode(db, listener, n.id, 20_000, 30_000, ac.signal);
    await new Promise((r) => setTimeout(r, 300));
    const j = await job();
    await t.db.job.update({ where: { id: j.id }, data: { status: "PLACED", nodeId: n.id } });
    ac.abort();
    expect(await waiting).toBeNull();
    expect(claims()).toBe(1);
    expect(await t.db.job.findUniqueOrThrow({ where: { id: j.id } })).toMatchObject({ status: "PLACED", attempt: 0 });
  });

  it("a listener that loses its connection wakes its waiters, which poll until it listens again", async () => {
    const lossy = new PgListener(withApplicationName(t.url, "claim-lossy-listener"));
    await lossy.ensureConnected();
    try {
      const n = await node();
      const waiting = claimForNode(t.db, lossy, n.id, 20_000, 30_000, new AbortController().signal);
      await new Promise((r) => setTimeout(r, 300));
      await t.db.$queryRaw`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'claim-lossy-listener'`;
      // Placed while nothing listens: no NOTIFY reaches this process, the poll (and the look on reconnecting) finds it.
      const j = await job();
      await t.db.job.update({ where: { id: j.id }, data: { status: "PLACED", nodeId: n.id } });
      const placedAt = Date.now();
      expect(await waiting).toMatchObject({ jobId: j.id });
      expect(Date.now() - placedAt).toBeLessThan(3_000);
    } finally {
      await lossy.close();
    }
  });
});

/** The real client, counting the claim statements (`$queryRaw`) a long-poll runs. */
function countingClaims(): { db: PrismaClient; claims: () => number } {
  let n = 0;
  const db = new Proxy(t.db, {
    get(target, prop) {
      const v = Reflect.get(target, prop, target) as unknown;
      if (prop === "$queryRaw") return (...args: unknown[]) => (n++, (v as (...a: unknown[]) => unknown).apply(target, args));
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
  return { db, claims: () => n };
}
