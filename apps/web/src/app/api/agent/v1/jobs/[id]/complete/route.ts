import { ZCompleteRequestSchema } from "@headroom/protocol";
import { completeJob } from "@headroom/scheduler";
import { agentJobReport } from "@/server/agent/job-route";
import { db } from "@/server/db";

export const dynamic = "force-dynamic";

export const POST = agentJobReport(ZCompleteRequestSchema, async (ref, body) => ({ ok: true, ...(await completeJob(db(), ref, body)) }));
