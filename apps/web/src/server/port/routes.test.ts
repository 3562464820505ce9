// How a bare port's route table finds a route by method and path.
import { describe, expect, it } from "vitest";
import { routeMatcher, type TPortRoute } from "./routes";

describe("routeMatcher", () => {
  const h = async () => new Response(null);
  const routes: TPortRoute[] = [
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
