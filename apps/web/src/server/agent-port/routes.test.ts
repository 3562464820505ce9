// The agent port's route table: the same routes as the app's route files under app/api/agent/v1, and
// how a method and path find theirs.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import * as actions from "../agent/actions";
import { AGENT_ROUTES, routeMatcher, type TAgentRoute } from "./routes";

const APP = fileURLToPath(new URL("../../app", import.meta.url));

/** "METHOD /path" for every handler a route file under app/api/agent exports. */
function appRoutes(dir = path.join(APP, "api/agent")): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return appRoutes(p);
    if (e.name !== "route.ts") return [];
    const url = `/${path.relative(APP, dir).split(path.sep).join("/")}`;
    return [...readFileSync(p, "utf8").matchAll(/^export const (GET|POST|PUT|PATCH|DELETE) =/gm)].map((m) => `${m[1]} ${url}`);
  });
}

describe("the agent port's routes", () => {
  it("are exactly the app's agent routes, so none is served by Next alone", () => {
    const table = AGENT_ROUTES.map((r) => `${r.method} ${r.path}`).sort();
    expect(table).toEqual(appRoutes().sort());
    expect(table.length).toBeGreaterThanOrEqual(11);
  });

  it("serve each JSON route by the action its app route file wraps", () => {
    for (const r of AGENT_ROUTES) {
      if (!("action" in r)) continue;
      const source = readFileSync(path.join(APP, r.path.slice(1), "route.ts"), "utf8");
      const name = /agentRoute\((\w+)\)/.exec(source)?.[1];
      expect(name && actions[name as keyof typeof actions], r.path).toBe(r.action);
    }
    expect(AGENT_ROUTES.filter((r) => !("action" in r)).map((r) => r.path)).toEqual(["/api/agent/v1/jobs/[id]/file"]);
  });

  it("only the claim is a long-poll", () => {
    expect(AGENT_ROUTES.filter((r) => r.longPoll).map((r) => r.path)).toEqual(["/api/agent/v1/claim"]);
  });
});

describe("routeMatcher", () => {
  const h = async () => new Response(null);
  const routes: TAgentRoute[] = [
    { method: "POST", path: "/api/agent/v1/heartbeat", handler: h },
    { method: "GET", path: "/api/agent/v1/jobs/[id]/file", handler: h },
    { method: "POST", path: "/api/agent/v1/jobs/[id]/start", handler: h },
  ];
  const match = routeMatcher(routes);

  it("finds a route by method and path, with its [id] decoded", () => {
    expect(match("POST", "/api/agent/v1/heartbeat")).toEqual({ route: routes[0], params: { id: "" } });
    expect(match("GET", "/api/agent/v1/jobs/abc%2Dd/file")).toEqual({ route: routes[1], params: { id: "abc-d" } });
    expect(match("GET", "/api/agent/v1/jobs/%E0%A4%A/file")).toEqual({ route: routes[1], params: { id: "%E0%A4%A" } });
  });

  it("names the allowed methods of a path asked with another (405), and nothing for an unknown path (404)", () => {
    expect(match("GET", "/api/agent/v1/heartbeat")).toEqual({ allowed: ["POST"] });
    expect(match("DELETE", "/api/agent/v1/jobs/x/file")).toEqual({ allowed: ["GET"] });
    expect(match("POST", "/api/agent/v1/heartbeat/")).toBeNull();
    expect(match("POST", "/api/agent/v1/jobs/a/b/start")).toBeNull();
    expect(match("GET", "/api/v1/jobs")).toBeNull();
    expect(match("POST", "/api/agent/v1/jobs//start")).toBeNull();
  });
});
