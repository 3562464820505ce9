// POST /api/agent/v1/samples: the agent action of that name (server/agent/actions.ts), which the agent port serves too.
import { samples } from "@/server/agent/actions";
import { agentRoute } from "@/server/agent/call";

export const dynamic = "force-dynamic";

export const POST = agentRoute(samples);
