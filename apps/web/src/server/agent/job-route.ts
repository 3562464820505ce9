import type { z } from "zod";
import { db } from "../db";
import { jsonBody, route } from "../http";
import { requireNode } from "./node-auth";

export type TAttemptRef = { jobId: string; nodeId: string; attempt: number };

/** A POST /jobs/:id/<report> handler: node auth, body validation, then the report against the attempt it names. */
export function agentJobReport<T extends { attempt: number }>(schema: z.ZodType<T>, act: (ref: TAttemptRef, body: T) => Promise<object | void>) {
  return route<{ params: Promise<{ id: string }> }>(async (req, { params }) => {
    const node = await requireNode(db(), req);
    const body = await jsonBody(req, schema);
    const out = await act({ jobId: (await params).id, nodeId: node.id, attempt: body.attempt }, body);
    return Response.json(out ?? { ok: true });
  });
}
