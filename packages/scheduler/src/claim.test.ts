// Against a real Postgres: what a claim hands the agent, batch id and page count included.
import { randomUUID } from "node:crypto";
import type { PrismaClient } from "@headroom/db";
import { createTestDatabase } from "@headroom/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { claimNextJob } from "./claim.ts";
import { makeJob, makeNode } from "./test-factories.ts";

let db: PrismaClient;
let drop: () => Promise<void>;
beforeAll(async () => ({ prisma: db, drop } = await createTestDatabase()));
afterAll(async () => drop());

describe("claimNextJob", () => {
  it("returns the job's pages and batch id (null outside a multi-file upload), oldest first", async () => {
    const node = await makeNode(db);
    const batchId = randomUUID();
    const t = Date.now();
    const pdf = await makeJob(db, { status: "PLACED", nodeId: node.id, mimeType: "application/pdf", pages: 7, createdAt: new Date(t - 3_000) });
    const inBatch = await makeJob(db, { status: "PLACED", nodeId: node.id, batchId, createdAt: new Date(t - 2_000) });
    const first = await claimNextJob(db, node.id, 30_000);
    expect(first).toMatchObject({ id: pdf.id, pages: 7, batchId: null, mimeType: "application/pdf", attempt: 1 });
    const second = await claimNextJob(db, node.id, 30_000);
    expect(second).toMatchObject({ id: inBatch.id, pages: 1, batchId });
    expect(await claimNextJob(db, node.id, 30_000)).toBeNull();
  });
});
