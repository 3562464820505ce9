// What a bare port (server.ts) serves: a table of routes, each an agent action (a JSON body in, an
// object out) or a route handler as Next calls it (a WHATWG Request in, a Response out), named by
// the app's own paths ([id] is a path segment), and how a method and path find theirs.
import type { TAgentAction } from "../agent/call";

/** A route handler as Next calls it, for a route that answers with more than JSON or reads its own body. */
export type TPortHandler = (req: Request, ctx: { params: Promise<{ id: string }> }) => Promise<Response>;
export type TPortRoute = {
  method: "GET" | "POST";
  path: string;
  /** A claim long-poll: ended early (204) when the port drains, so the agent asks another replica. */
  longPoll?: boolean;
} & ({ action: TAgentAction } | { handler: TPortHandler });

export type TRouteMatch = { route: TPortRoute; params: { id: string } } | { allowed: string[] } | null;

/** Finds the route for a method and path: the match, the methods the path allows (405), or null (404). */
export function routeMatcher(routes: readonly TPortRoute[]): (method: string, pathname: string) => TRouteMatch {
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
