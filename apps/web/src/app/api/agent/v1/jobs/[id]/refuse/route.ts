import { ZRefuseRequestSchema } from "@headroom/protocol";
import { refuseJob } from "@headroom/scheduler";
import { agentJobReport } from "@/server/agent/job-route";
import { db } from "@/server/db";

export const dynamic = "force-dynamic";

export const POST = agentJobReport(ZRefuseRequestSchema, (ref, body) => refuseJob(db(), ref, body.reason, body.memory));
