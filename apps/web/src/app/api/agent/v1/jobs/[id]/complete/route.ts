import { ZCompleteRequestSchema } from "@headroom/protocol";
import { completeJob } from "@headroom/scheduler";
import { agentJobReport } from "@/server/agent/job-route";
import { db } from "@/server/db";

export const dynamic = "force-dynamic";

export const POST = agentJobReport(ZCompleteRequestSchema, (ref, body) => completeJob(db(), ref, body));
