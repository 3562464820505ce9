import { useTestDatabase } from "@headroom/db/testing";
import { describe, expect, it } from "vitest";
import { deregisterNode } from "./deregister.ts";
import { makeJob, makeNode } from "../test-factories.ts";

const t = useTestDatabase();

describe("deregisterNode", () => {
  it("takes the node offline and puts what it held back in the queue, giving a running job its attempt back", async () => {
    const node = await makeNode(t.db);
    const other = await makeNode(t.db);
    const running = await makeJob(t.db, { status: "RUNNING", nodeId: node.id, attempt: 2, leaseExpiresAt: new Date(Date.now() + 30_000) });
    const placed = await makeJob(t.db, { status: "PLACED", nodeId: node.id, attempt: 0 });
    const elsewhere = await makeJob(t.db, { status: "RUNNING", nodeId: other.id, attempt: 1 });
    const done = await makeJob(t.db, { status: "SUCCEEDED", nodeId: node.id, attempt: 1 });

    expect(await deregisterNode(t.db, node.id)).toEqual({ requeued: 2 });

    expect((await t.db.node.findUniqueOrThrow({ where: { id: node.id } })).status).toBe("OFFLINE");
    const after = async (id: string) => t.db.job.findUniqueOrThrow({ where: { id }, select: { status: true, nodeId: true, attempt: true, leaseExpiresAt: true } });
    expect(await after(running.id)).toEqual({ status: "QUEUED", nodeId: null, attempt: 1, leaseExpiresAt: null });
    expect(await after(placed.id)).toEqual({ status: "QUEUED", nodeId: null, attempt: 0, leaseExpiresAt: null });
    expect((await after(elsewhere.id)).status).toBe("RUNNING");
    expect((await after(done.id)).status).toBe("SUCCEEDED");
    const events = await t.db.jobEvent.findMany({ where: { jobId: { in: [running.id, placed.id] } }, select: { jobId: true, type: true } });
    expect(events.map((e) => [e.jobId === running.id ? "running" : "placed", e.type]).sort()).toEqual([["placed", "unplaced"], ["running", "handed_back"]]);
    expect((await t.db.nodeEvent.findFirstOrThrow({ where: { nodeId: node.id, type: "deregistered" } })).data).toEqual({ requeued: 2 });
  });

  it("of a node holding nothing, only marks it offline", async () => {
    const node = await makeNode(t.db);
    expect(await deregisterNode(t.db, node.id)).toEqual({ requeued: 0 });
    expect((await t.db.node.findUniqueOrThrow({ where: { id: node.id } })).status).toBe("OFFLINE");
  });
});
