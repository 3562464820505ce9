import type { Prisma, PrismaClient } from "@headroom/db";
import type { TRegisterRequest, TRegisterResponse } from "@headroom/protocol";
import { newNodeToken, sha256Hex } from "./node-auth";
import { nodeSettings } from "./settings";

/** Registers a node, or re-registers one by name with a fresh token (the old token stops working). */
export async function registerNode(db: PrismaClient, req: TRegisterRequest): Promise<TRegisterResponse> {
  const token = newNodeToken();
  const fields = {
    hostname: req.hostname,
    kind: req.kind,
    gpuIndex: req.gpuIndex,
    gpuName: req.gpuName,
    provider: req.provider,
    model: req.model ?? null,
    providerNotes: req.providerNotes as Prisma.InputJsonValue,
    agentVersion: req.agentVersion,
    tokenHash: sha256Hex(token),
    status: "ONLINE" as const,
    lastHeartbeatAt: new Date(),
    totalMiB: req.memory.totalMiB,
    usedMiB: req.memory.usedMiB,
    freeMiB: req.memory.freeMiB,
    processMiB: req.memory.processMiB,
    utilPct: req.memory.utilPct,
    memorySource: req.memory.source,
    // Placement never puts more jobs in flight on a node than it runs at once; older agents run one.
    maxConcurrent: req.maxConcurrent ?? 1,
  };
  const node = await db.$transaction(async (tx) => {
    await tx.fleetSettings.upsert({ where: { id: 1 }, create: { id: 1 }, update: {} });
    const n = await tx.node.upsert({ where: { name: req.name }, create: { name: req.name, ...fields }, update: fields, select: { id: true } });
    await tx.nodeEvent.create({ data: { nodeId: n.id, type: "registered", beforeMiB: req.memory.usedMiB, data: { provider: req.provider, providerNotes: req.providerNotes, agentVersion: req.agentVersion } as Prisma.InputJsonValue } });
    return n;
  });
  return { nodeId: node.id, token, ...(await nodeSettings(db, node.id)) };
}
