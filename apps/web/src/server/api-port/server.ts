// The API port: /api/v1/jobs (the upload, and the job list on the same path) on a bare port
// (server/port) beside Next, on HEADROOM_API_PORT, for clients that submit many jobs with an API key.
// They are the same route handlers Next serves, with the same limits, checks and answers; only Next's
// server around them is left out, which was about 2 ms of a replica's CPU a request for the agents'
// routes. A load balancer sends the exact path /api/v1/jobs here and everything else to Next's port
// (deploy/kubernetes/base/ingress.yaml).
import { GET as list, POST as upload } from "@/app/api/v1/jobs/route";
import { createPortServer, type TPortServer } from "../port/server";
import type { TPortRoute } from "../port/routes";

export const API_PORT_ROUTES: readonly TPortRoute[] = [
  { method: "POST", path: "/api/v1/jobs", handler: upload },
  { method: "GET", path: "/api/v1/jobs", handler: list },
];

export function createApiPortServer(): TPortServer {
  // No actions here: the upload's handler reads its own body within HEADROOM_MAX_UPLOAD_BYTES.
  return createPortServer({ routes: API_PORT_ROUTES, serves: "/api/v1/jobs (uploads and the job list); everything else is on the main port", maxActionBodyBytes: 0, compress: true });
}
