import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { createPrismaClient } from "./index.ts";
import { isDatabaseUnavailable } from "./unavailable.ts";

/** A port that was free a moment ago: nothing listens there, so connecting is refused. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe("isDatabaseUnavailable", () => {
  it("is true for what the real client throws when no server listens", async () => {
    const db = createPrismaClient(`postgresql://u:p@127.0.0.1:${await closedPort()}/none`);
    const err = await db.$queryRaw`SELECT 1`.then(
      () => null,
      (e: unknown) => e,
    );
    await db.$disconnect();
    expect(err).not.toBeNull();
    expect(isDatabaseUnavailable(err)).toBe(true);
  });

  it("is true for a server shutting down or starting up, and for a pool that ran out", () => {
    expect(isDatabaseUnavailable({ code: "P2024" })).toBe(true);
    expect(isDatabaseUnavailable(Object.assign(new Error("x"), { cause: { code: "57P03" } }))).toBe(true);
    expect(isDatabaseUnavailable({ code: "P2010", meta: { driverAdapterError: { cause: { kind: "postgres", originalCode: "57P01" } } } })).toBe(true);
    expect(isDatabaseUnavailable({ meta: { driverAdapterError: { cause: { kind: "ConnectionClosed" } } } })).toBe(true);
  });

  it("is false for errors about the request itself", () => {
    expect(isDatabaseUnavailable({ code: "P2002", meta: { target: ["idempotencyKey"] } })).toBe(false);
    expect(isDatabaseUnavailable({ meta: { driverAdapterError: { cause: { kind: "UniqueConstraintViolation" } } } })).toBe(false);
    expect(isDatabaseUnavailable(new Error("boom"))).toBe(false);
    expect(isDatabaseUnavailable(null)).toBe(false);
    const loop: { cause?: unknown } = {};
    loop.cause = loop;
    expect(isDatabaseUnavailable(loop)).toBe(false);
  });
});
