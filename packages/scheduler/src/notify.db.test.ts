// The queue's wake-ups against a real Postgres: callers that commit while one NOTIFY is on its way
// share the one after it, and a caller that comes later gets its own.
import { PgListener } from "@headroom/db/listener";
import { until, useTestDatabase } from "@headroom/db/testing";
import { afterAll, describe, expect, it } from "vitest";
import { QUEUE_CHANNEL, wakeQueueAfterCommit } from "./notify.ts";

const t = useTestDatabase();
let listener: PgListener;
afterAll(async () => {
  await listener?.close();
});

describe("wakeQueueAfterCommit", () => {
  it("sends one NOTIFY for callers that arrive while one is on its way, after it, and one per caller one at a time", async () => {
    listener = new PgListener(t.url);
    let heard = 0;
    listener.on(QUEUE_CHANNEL, () => heard++);
    await until("listening", () => listener.isListening(QUEUE_CHANNEL));

    // The first sends at once; the other 49 arrive while it is on its way and share the next one.
    await Promise.all(Array.from({ length: 50 }, () => wakeQueueAfterCommit(t.db)));
    await until("two notifications", () => heard >= 2);
    await new Promise((r) => setTimeout(r, 200));
    expect(heard).toBe(2);

    // One at a time, each caller gets its own.
    for (let i = 0; i < 3; i++) await wakeQueueAfterCommit(t.db);
    await until("five notifications", () => heard >= 5);
    await new Promise((r) => setTimeout(r, 200));
    expect(heard).toBe(5);
  });
});
