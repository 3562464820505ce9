// The API port: the upload (POST /api/v1/jobs) on a bare port (server/port) beside Next, on
// HEADROOM_API_PORT, for clients that submit many jobs with an API key. It is the same route handler
// Next serves, with the same limits, checks and answers; only Next's server around it is left out,
// which was about 2 ms of a replica's CPU a request for the agents' routes. A load balancer sends
// `POST /api/v1/jobs` here and everything else to Next's port.
import { POST as upload } from "@/app/api/v1/jobs/route";
import { createPortServer, type TPortServer } from "../port/server";
import type { TPortRoute } from "../port/routes";

export const API_PORT_ROUTES: readonly TPortRoute[] = [{ method: "POST", path: "/api/v1/jobs", handler: upload }];

export function createApiPortServer(): TPortServer {
  // No actions here: the upload's handler reads its own body within HEADROOM_MAX_UPLOAD_BYTES.
  return createPortServer({ routes: API_PORT_ROUTES, serves: "job uploads (POST /api/v1/jobs); everything else is on the main port", maxActionBodyBytes: 0 });
}
