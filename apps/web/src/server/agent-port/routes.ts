// The agent protocol's routes, as the agent port serves them: the same handlers Next serves under
// app/api/agent/v1, named by the same paths ([id] is a path segment). routes.test.ts checks that
// this table and the app's route files list the same routes, so a new agent route cannot be
// served by Next alone.
import { POST as claim } from "@/app/api/agent/v1/claim/route";
import { POST as deregister } from "@/app/api/agent/v1/deregister/route";
import { POST as events } from "@/app/api/agent/v1/events/route";
import { POST as heartbeat } from "@/app/api/agent/v1/heartbeat/route";
import { POST as complete } from "@/app/api/agent/v1/jobs/[id]/complete/route";
import { POST as fail } from "@/app/api/agent/v1/jobs/[id]/fail/route";
import { GET as file } from "@/app/api/agent/v1/jobs/[id]/file/route";
import { POST as refuse } from "@/app/api/agent/v1/jobs/[id]/refuse/route";
import { POST as start } from "@/app/api/agent/v1/jobs/[id]/start/route";
import { POST as register } from "@/app/api/agent/v1/register/route";
import { POST as samples } from "@/app/api/agent/v1/samples/route";

/** A route handler as Next calls it; routes without a path parameter ignore the context. */
export type TAgentHandler = (req: Request, ctx: { params: Promise<{ id: string }> }) => Promise<Response>;
export type TAgentRoute = {
  method: "GET" | "POST";
  path: string;
  handler: TAgentHandler;
  /** A claim long-poll: ended early (204) when the port drains, so the agent asks another replica. */
  longPoll?: boolean;
};

export const AGENT_ROUTES: readonly TAgentRoute[] = [
  { method: "POST", path: "/api/agent/v1/register", handler: register },
  { method: "POST", path: "/api/agent/v1/deregister", handler: deregister },
  { method: "POST", path: "/api/agent/v1/heartbeat", handler: heartbeat },
  { method: "POST", path: "/api/agent/v1/samples", handler: samples },
  { method: "POST", path: "/api/agent/v1/events", handler: events },
  { method: "POST", path: "/api/agent/v1/claim", handler: claim, longPoll: true },
  { method: "GET", path: "/api/agent/v1/jobs/[id]/file", handler: file },
  { method: "POST", path: "/api/agent/v1/jobs/[id]/start", handler: start },
  { method: "POST", path: "/api/agent/v1/jobs/[id]/complete", handler: complete },
  { method: "POST", path: "/api/agent/v1/jobs/[id]/fail", handler: fail },
  { method: "POST", path: "/api/agent/v1/jobs/[id]/refuse", handler: refuse },
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
