import type { PrismaClient } from "@headroom/db";
import type { TRegisterRequest, TRegisterResponse } from "@headroom/protocol";
import { nodeSettings, recordRegistration } from "@headroom/scheduler";
import { forgetNodeTokens, newNodeToken, sha256Hex } from "./node-auth";

/** Registers a node, or re-registers one by name with a fresh token (the old token stops working). */
export async function registerNode(db: PrismaClient, req: TRegisterRequest): Promise<TRegisterResponse> {
  const token = newNodeToken();
  const { nodeId } = await recordRegistration(db, req, sha256Hex(token));
  forgetNodeTokens(nodeId);
  return { nodeId, token, ...(await nodeSettings(db, nodeId)) };
}
