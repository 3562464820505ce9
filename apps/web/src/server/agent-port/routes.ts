// The agent protocol's routes, as the agent port serves them: the JSON routes by the same actions
// (server/agent/actions.ts) that Next's route files under app/api/agent/v1 wrap, the job's file by
// the route's own handler (it streams). Named by the same paths ([id] is a path segment).
// routes.test.ts checks that this table and the app's route files list the same routes, so a new
// agent route cannot be served by Next alone.
import { GET as file } from "@/app/api/agent/v1/jobs/[id]/file/route";
import * as actions from "../agent/actions";
import type { TPortRoute } from "../port/routes";

export const AGENT_ROUTES: readonly TPortRoute[] = [
  { method: "POST", path: "/api/agent/v1/register", action: actions.register },
  { method: "POST", path: "/api/agent/v1/deregister", action: actions.deregister },
  { method: "POST", path: "/api/agent/v1/heartbeat", action: actions.heartbeat },
  { method: "POST", path: "/api/agent/v1/samples", action: actions.samples },
  { method: "POST", path: "/api/agent/v1/events", action: actions.events },
  { method: "POST", path: "/api/agent/v1/claim", action: actions.claim, longPoll: true },
  { method: "GET", path: "/api/agent/v1/jobs/[id]/file", handler: file },
  { method: "POST", path: "/api/agent/v1/jobs/[id]/start", action: actions.start },
  { method: "POST", path: "/api/agent/v1/jobs/[id]/complete", action: actions.complete },
  { method: "POST", path: "/api/agent/v1/jobs/[id]/fail", action: actions.fail },
  { method: "POST", path: "/api/agent/v1/jobs/[id]/refuse", action: actions.refuse },
];
