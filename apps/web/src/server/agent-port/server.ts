// The agent port: the agent protocol's routes (routes.ts) on a bare port (server/port) beside Next,
// on HEADROOM_AGENT_PORT. 1,000 agents send 500 heartbeats a second before any job, and on this port
// each costs a replica a third of what it does through Next's server.
import { createPortServer, type TPortServer } from "../port/server";
import type { TPortRoute } from "../port/routes";
import { AGENT_ROUTES } from "./routes";

/** The largest agent request body: a completion carries a whole document's text and lines. */
export const MAX_AGENT_BODY_BYTES = 32 * 1024 * 1024;

export function createAgentPortServer(routes: readonly TPortRoute[] = AGENT_ROUTES): TPortServer {
  return createPortServer({ routes, serves: "the agent protocol (/api/agent/v1/…)", maxActionBodyBytes: MAX_AGENT_BODY_BYTES });
}
