import { describe, expect, it } from "vitest";
import { RetryLaterError } from "../http";
import { rejection } from "../test-support";
import { UploadBudget } from "./upload-budget";

const settled = async <T>(p: Promise<T>) => {
  let done = false;
  void p.then(() => (done = true), () => (done = true));
  await new Promise((r) => setTimeout(r, 10));
  return done;
};

describe("UploadBudget", () => {
  it("takes reservations while they fit and gives the bytes back once each", async () => {
    const b = new UploadBudget(100);
    const r1 = await b.reserve(60, 1_000);
    const r2 = await b.reserve(40, 1_000);
    expect(b.inUse()).toBe(100);
    r1();
    r1();
    expect(b.inUse()).toBe(40);
    r2();
    expect(b.inUse()).toBe(0);
  });

  it("makes an upload that does not fit wait, and lets it in when room is given back", async () => {
    const b = new UploadBudget(100);
    const r1 = await b.reserve(70, 1_000);
    const second = b.reserve(50, 1_000);
    expect(await settled(second)).toBe(false);
    expect(b.waiting()).toBe(1);
    r1();
    (await second)();
    expect(b.inUse()).toBe(0);
  });

  it("serves waiters first come first served: a small upload does not pass a large one waiting ahead of it", async () => {
    const b = new UploadBudget(100);
    const r1 = await b.reserve(60, 1_000);
    const large = b.reserve(90, 1_000);
    const small = b.reserve(10, 1_000); // would fit now, but the large one came first
    expect(await settled(small)).toBe(false);
    r1();
    const rLarge = await large;
    expect(b.inUse()).toBe(100);
    rLarge();
    (await small)();
    expect(b.inUse()).toBe(0);
  });

  it("answers UNAVAILABLE with Retry-After past the wait, holding nothing, and lets those behind it in", async () => {
    const b = new UploadBudget(100);
    const r1 = await b.reserve(50, 1_000);
    const large = b.reserve(80, 50);
    const small = b.reserve(30, 1_000);
    const err = await rejection(large, RetryLaterError);
    expect(err).toMatchObject({ code: "UNAVAILABLE", retryAfterMs: 1_000 });
    expect(err.message).toMatch(/reading 0\.0 MiB of uploads, and 0\.0 MiB more did not fit/);
    // The large one's turn is gone: the small one behind it fits beside the first and goes in.
    (await small)();
    expect(b.inUse()).toBe(50);
    r1();
    expect(b.waiting()).toBe(0);
  });

  it("refuses a reservation larger than the whole budget at once", async () => {
    await expect(new UploadBudget(100).reserve(101, 1_000)).rejects.toThrow(RangeError);
  });
});
