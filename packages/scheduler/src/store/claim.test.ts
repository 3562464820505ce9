// Against a real Postgres: what a claim hands the agent, batch id and page count included.
import { randomUUID } from "node:crypto";
import { useTestDatabase } from "@headroom/db/testing";
import { describe, expect, it } from "vitest";
import { claimNextJob } from "./claim.ts";
import { makeJob, makeNode } from "../test-factories.ts";

const t = useTestDatabase();

describe("claimNextJob", () => {
  it("returns the job's pages and batch id (null outside a multi-file upload), oldest first", async () => {
    const node = await makeNode(t.db);
    const batchId = randomUUID();
    const now = Date.now();
    const pdf = await makeJob(t.db, { status: "PLACED", nodeId: node.id, mimeType: "application/pdf", pages: 7, createdAt: new Date(now - 3_000) });
    const inBatch = await makeJob(t.db, { status: "PLACED", nodeId: node.id, batchId, createdAt: new Date(now - 2_000) });
    const first = await claimNextJob(t.db, node.id, 30_000);
    expect(first).toMatchObject({ id: pdf.id, pages: 7, batchId: null, mimeType: "application/pdf", attempt: 1 });
    const second = await claimNextJob(t.db, node.id, 30_000);
    expect(second).toMatchObject({ id: inBatch.id, pages: 1, batchId });
    expect(await claimNextJob(t.db, node.id, 30_000)).toBeNull();
  });
});
