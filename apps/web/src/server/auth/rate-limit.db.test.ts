// The Postgres token bucket: its arithmetic, and two limiters (as two replicas would hold) with
// two database clients spending from one bucket.
import { createPrismaClient, type PrismaClient } from "@headroom/db";
import { useTestDatabase } from "@headroom/db/testing";
import { afterAll, describe, expect, it } from "vitest";
import { PgTokenBucketLimiter } from "./rate-limit";

const t = useTestDatabase();
const at = (ms: number) => new Date(Date.UTC(2030, 0, 1) + ms);
let n = 0;
/** A fresh key per test, so tests do not share buckets. */
const key = () => `k${++n}`;

describe("PgTokenBucketLimiter", () => {
  it("commits its spend without waiting for the WAL flush (its row is free at once), unless durableCommit", async () => {
    // take() is for the client; run inside a transaction here only to read the setting its statement
    // left for the commit (from "on": the test server may run with it off).
    const settingAfter = (l: PgTokenBucketLimiter) =>
      t.db.$transaction(async (tx) => {
        await tx.$executeRaw`SET LOCAL synchronous_commit TO on`;
        expect((await l.take(tx as unknown as PrismaClient, key())).ok).toBe(true);
        return (await tx.$queryRaw<{ s: string }[]>`SELECT current_setting('synchronous_commit') AS s`)[0]!.s;
      });
    expect(await settingAfter(new PgTokenBucketLimiter("t", { capacity: 10, refillMs: 60_000 }))).toBe("off");
    expect(await settingAfter(new PgTokenBucketLimiter("t", { capacity: 10, refillMs: 60_000, durableCommit: true }))).toBe("on");
  });

  it("allows a burst up to capacity, then refuses with a retry time", async () => {
    const l = new PgTokenBucketLimiter("t", { capacity: 10, refillMs: 60_000 });
    const k = key();
    for (let i = 0; i < 10; i++) expect((await l.take(t.db, k, at(1000))).ok).toBe(true);
    expect(await l.take(t.db, k, at(1000))).toEqual({ ok: false, retryAfterMs: 6000 });
  });

  it("refills at capacity per refill period, never beyond capacity", async () => {
    const l = new PgTokenBucketLimiter("t", { capacity: 10, refillMs: 60_000 });
    const k = key();
    for (let i = 0; i < 10; i++) await l.take(t.db, k, at(0));
    expect((await l.take(t.db, k, at(5_999))).ok).toBe(false);
    expect((await l.take(t.db, k, at(6_000))).ok).toBe(true);
    expect((await l.take(t.db, k, at(6_000))).ok).toBe(false);
    for (let i = 0; i < 10; i++) expect((await l.take(t.db, k, at(1_000_000))).ok).toBe(true);
    expect((await l.take(t.db, k, at(1_000_000))).ok).toBe(false);
  });

  it("a clock behind the last attempt neither refills nor drains", async () => {
    const l = new PgTokenBucketLimiter("t", { capacity: 2, refillMs: 60_000 });
    const k = key();
    await l.take(t.db, k, at(10_000));
    await l.take(t.db, k, at(10_000));
    expect(await l.take(t.db, k, at(0))).toEqual({ ok: false, retryAfterMs: 30_000 });
  });

  it("keeps keys and scopes apart; reset forgets a key", async () => {
    const a = new PgTokenBucketLimiter("a", { capacity: 1, refillMs: 60_000 });
    const b = new PgTokenBucketLimiter("b", { capacity: 1, refillMs: 60_000 });
    const k = key();
    expect((await a.take(t.db, k, at(0))).ok).toBe(true);
    expect((await a.take(t.db, k, at(0))).ok).toBe(false);
    expect((await a.take(t.db, key(), at(0))).ok).toBe(true);
    expect((await b.take(t.db, k, at(0))).ok).toBe(true);
    await a.reset(t.db, k);
    expect((await a.take(t.db, k, at(0))).ok).toBe(true);
  });

  it("drops buckets idle for a whole refill period", async () => {
    const l = new PgTokenBucketLimiter("prune", { capacity: 1, refillMs: 1_000 });
    for (let i = 0; i < 20; i++) await l.take(t.db, `p${i}`, at(0));
    const count = () => t.db.rateLimitBucket.count({ where: { key: { startsWith: "prune|" } } });
    expect(await count()).toBe(20);
    await l.take(t.db, "late", at(120_000));
    expect(await count()).toBe(1);
  });

  describe("two instances over one database", () => {
    const second = { client: undefined as ReturnType<typeof createPrismaClient> | undefined };
    afterAll(() => second.client?.$disconnect());

    it("share one bucket: 10 attempts in all, however they are spread, even at once", async () => {
      second.client = createPrismaClient(t.url, { poolMax: 4 });
      const one = new PgTokenBucketLimiter("sign-in", { capacity: 10, refillMs: 60_000 });
      const two = new PgTokenBucketLimiter("sign-in", { capacity: 10, refillMs: 60_000 });
      const k = key();
      // 30 attempts at the same instant, alternating replicas, all in flight together.
      const decisions = await Promise.all(
        Array.from({ length: 30 }, (_, i) => (i % 2 === 0 ? one.take(t.db, k, at(0)) : two.take(second.client!, k, at(0)))),
      );
      expect(decisions.filter((d) => d.ok)).toHaveLength(10);
      // What one replica spent, the other sees.
      expect(await two.take(second.client, k, at(5_000))).toMatchObject({ ok: false });
      expect(await one.take(t.db, k, at(6_000))).toMatchObject({ ok: true });
      expect(await two.take(second.client, k, at(6_000))).toMatchObject({ ok: false });
    });
  });
});
