import { ZFailRequestSchema } from "@headroom/protocol";
import { failJob } from "@headroom/scheduler";
import { agentJobReport } from "@/server/agent/job-route";
import { db } from "@/server/db";

export const dynamic = "force-dynamic";

export const POST = agentJobReport(ZFailRequestSchema, async (ref, body) => ({ outcome: await failJob(db(), ref, body) }));
