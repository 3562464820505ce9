// The agent protocol's routes, as the agent port serves them: the JSON routes by the same actions
// (server/agent/actions.ts) that Next's route files under app/api/agent/v1 wrap, the job's file by
// the route's own handler (it streams). Named by the same paths ([id] is a path segment).
// routes.test.ts checks that this table and the app's route files list the same routes, so a new
// agent route cannot be served by Next alone.
import { GET as file } from "@/app/api/agent/v1/jobs/[id]/file/route";
import * as actions from "../agent/actions";
import type { TAgentAction } from "../agent/call";

/** A route handler as Next calls it, for a route that answers with more than JSON. */
export type TAgentHandler = (req: Request, ctx: { params: Promise<{ id: string }> }) => Promise<Response>;
export type TAgentRoute = {
  method: "GET" | "POST";
  path: string;
  /** A claim long-poll: ended early (204) when the port drains, so the agent asks another replica. */
  longPoll?: boolean;
} & ({ action: TAgentAction } | { handler: TAgentHandler });

export const AGENT_ROUTES: readonly TAgentRoute[] = [
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

export type TRouteMatch = { route: TAgentRoute; params: { id: string } } | { allowed: string[] } | null;

/** Finds the route for a method and path: the match, the methods the path allows (405), or null (404). */
export function routeMatcher(routes: readonly TAgentRoute[]): (method: string, pathname: string) => TRouteMatch {
  const compiled = routes.map((route) => ({ route, pattern: new RegExp(`^${route.path.replace(/\[id\]/g, "([^/]+)")}$`) }));
  return (method, pathname) => {
    const onPath = compiled.flatMap(({ route, pattern }) => {
      const m = pattern.exec(pathname);
      return m ? [{ route, id: m[1] === undefined ? "" : safeDecode(m[1]) }] : [];
    });
    if (onPath.length === 0) return null;
    const hit = onPath.find((c) => c.route.method === method);
    return hit ? { route: hit.route, params: { id: hit.id } } : { allowed: onPath.map((c) => c.route.method) };
  };
}

/** A path segment as Next hands it to a route (percent-decoded); a malformed escape stays as it came. */
function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
