// The agent port's route table: the same routes as the app's route files under app/api/agent/v1, and
// which of them are actions and long-polls.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import * as actions from "../agent/actions";
import { AGENT_ROUTES } from "./routes";

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
