import { ZStartRequestSchema } from "@headroom/protocol";
import { startJob } from "@headroom/scheduler";
import { agentJobReport } from "@/server/agent/job-route";
import { db } from "@/server/db";

export const dynamic = "force-dynamic";

export const POST = agentJobReport(ZStartRequestSchema, (ref, body) => startJob(db(), ref, body.memory, body.startedMsAgo));
