// The agent protocol's JSON routes, each an action (call.ts) that Next's route file and the agent port
// both serve. Node auth and body validation first, then the store function that does the work.
import {
  ZClaimRequestSchema,
  ZCompleteRequestSchema,
  ZFailRequestSchema,
  ZHeartbeatRequestSchema,
  ZNodeEventsRequestSchema,
  ZRefuseRequestSchema,
  ZRegisterRequestSchema,
  ZSamplesRequestSchema,
  ZStartRequestSchema,
  type TDeregisterResponse,
} from "@headroom/protocol";
import { claimForNode, completeJob, deregisterNode, failJob, heartbeat as storeHeartbeat, refuseJob, startJob, storeNodeEvents, storeSamples, type TAttemptRef } from "@headroom/scheduler";
import type { z } from "zod";
import { env } from "@/env";
import { db } from "../db";
import { uploadStore } from "../jobs/upload-store";
import { listener } from "../listener";
import { logger } from "../logger";
import { callBody, type TAgentAction } from "./call";
import { claimFile } from "./claim-file";
import { forgetNodeTokens, requireEnrollToken, requireNode } from "./node-auth";
import { registerNode } from "./register";

const nodeOf = (call: Parameters<TAgentAction>[0]) => requireNode(db(), call.header("authorization"));

export const register: TAgentAction = async (call) => {
  requireEnrollToken(call.header("authorization"));
  const body = await callBody(call, ZRegisterRequestSchema);
  const res = await registerNode(db(), body);
  logger().info({ nodeId: res.nodeId, name: body.name, provider: body.provider }, "node registered");
  return res;
};

/** A stopping agent leaves: its node goes OFFLINE and what it held goes back to the queue. */
export const deregister: TAgentAction = async (call) => {
  const node = await nodeOf(call);
  const out: TDeregisterResponse = await deregisterNode(db(), node.id);
  forgetNodeTokens(node.id);
  return out;
};

export const heartbeat: TAgentAction = async (call) => {
  const node = await nodeOf(call);
  const body = await callBody(call, ZHeartbeatRequestSchema);
  return storeHeartbeat(db(), node.id, body, env().HEADROOM_LEASE_MS);
};

export const samples: TAgentAction = async (call) => {
  const node = await nodeOf(call);
  return { stored: await storeSamples(db(), node.id, await callBody(call, ZSamplesRequestSchema)) };
};

export const events: TAgentAction = async (call) => {
  const node = await nodeOf(call);
  return { stored: await storeNodeEvents(db(), node.id, await callBody(call, ZNodeEventsRequestSchema)) };
};

/** A long-poll: the node's next placed job (its file in the answer when small), or null (204) when none came in waitMs. */
export const claim: TAgentAction = async (call) => {
  const node = await nodeOf(call);
  const { waitMs } = await callBody(call, ZClaimRequestSchema);
  const e = env();
  const withFile = claimFile(uploadStore(), e.HEADROOM_CLAIM_FILE_MAX_BYTES, logger());
  return claimForNode(db(), listener(), node.id, waitMs, e.HEADROOM_LEASE_MS, call.signal, withFile);
};

/** A report on the attempt a POST /jobs/:id/<report> names: node auth, body validation, then `act`. */
function jobReport<T extends { attempt: number }>(schema: z.ZodType<T>, act: (ref: TAttemptRef, body: T) => Promise<object | void>): TAgentAction {
  return async (call) => {
    const node = await nodeOf(call);
    const body = await callBody(call, schema);
    return (await act({ jobId: call.params.id, nodeId: node.id, attempt: body.attempt }, body)) ?? { ok: true };
  };
}

export const start = jobReport(ZStartRequestSchema, (ref, body) => startJob(db(), ref, body.memory, body.startedMsAgo));
export const complete = jobReport(ZCompleteRequestSchema, async (ref, body) => ({ ok: true, ...(await completeJob(db(), ref, body)) }));
export const fail = jobReport(ZFailRequestSchema, async (ref, body) => ({ outcome: await failJob(db(), ref, body) }));
export const refuse = jobReport(ZRefuseRequestSchema, (ref, body) => refuseJob(db(), ref, body.reason, body.memory));
