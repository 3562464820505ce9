// Small factories for integration tests: rows with sensible defaults, overridable per test.
import { randomUUID } from "node:crypto";
import type { Prisma, PrismaClient } from "@headroom/db";

export async function makeNode(db: PrismaClient, over: Partial<Prisma.NodeUncheckedCreateInput> = {}) {
  return db.node.create({
    data: {
      name: `node-${randomUUID().slice(0, 8)}`,
      hostname: "test-host",
      kind: "GPU",
      tokenHash: randomUUID(),
      status: "ONLINE",
      totalMiB: 80_000,
      usedMiB: 1_000,
      freeMiB: 79_000,
      maxConcurrent: 4,
      lastHeartbeatAt: new Date(),
      ...over,
    },
  });
}

export async function makeJob(db: PrismaClient, over: Partial<Prisma.JobUncheckedCreateInput> = {}) {
  return db.job.create({
    data: {
      fileName: "page.png",
      mimeType: "image/png",
      sizeBytes: 1_000,
      sha256: "0".repeat(64),
      widthPx: 1_000,
      heightPx: 1_000,
      storageKey: randomUUID(),
      ...over,
    },
  });
}
