// The claim long-poll against a real Postgres: it wakes on the scheduler's NOTIFY.
import { PgListener } from "@headroom/db/listener";
import { useTestDatabase } from "@headroom/db/testing";
import { schedulerTick } from "@headroom/scheduler";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { claimForNode } from "./claim";

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
    expect(await waiting).toMatchObject({ jobId: j.id, attempt: 1, filePath: `/api/agent/v1/jobs/${j.id}/file` });
  });

  it("answers null once the wait is over, and at once when the agent hangs up", async () => {
    const n = await node();
    expect(await claimForNode(t.db, listener, n.id, 200, 30_000, new AbortController().signal)).toBeNull();
    const ac = new AbortController();
    const waiting = claimForNode(t.db, listener, n.id, 20_000, 30_000, ac.signal);
    ac.abort();
    expect(await waiting).toBeNull();
  });
});
