// Every door of the control plane, found from the code rather than listed by hand: the route
// files under src/app (REST, agent, auth, metrics) with the HTTP methods each one exports, and
// the tRPC router's procedures. The authorization matrix and the OpenAPI test both start here, so
// a new route or procedure shows up in them without anyone remembering to add it.
import { readdir } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const HTTP_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] as const;
export type THttpMethod = (typeof HTTP_METHODS)[number];

export type THandler = (req: Request, ctx: { params: Promise<Record<string, string>> }) => Promise<Response>;

/** One exported method of one route file; `path` keeps Next's segment names ("/api/v1/jobs/[id]"). */
export type TRouteEndpoint = { method: THttpMethod; path: string; handler: THandler };

/** src/app, beside this file's src/server. */
export const APP_DIR = fileURLToPath(new URL("../../../app/", import.meta.url));

/** The URL path a route file serves: route groups "(app)" are dropped, "[id]" segments kept. */
export function routePathOf(appDir: string, file: string): string {
  const rel = path.relative(appDir, path.dirname(file)).split(path.sep).filter((s) => s && !/^\(.*\)$/.test(s));
  return `/${rel.join("/")}`;
}

async function routeFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await routeFiles(full)));
    else if (/^route\.(ts|tsx|js)$/.test(entry.name)) out.push(full);
  }
  return out;
}

/** Every route file's exported HTTP methods, sorted by path then method. Imports each route module. */
export async function routeEndpoints(appDir: string = APP_DIR): Promise<TRouteEndpoint[]> {
  const out: TRouteEndpoint[] = [];
  for (const file of await routeFiles(appDir)) {
    const mod = (await import(file)) as Record<string, unknown>;
    for (const method of HTTP_METHODS) {
      const handler = mod[method];
      if (typeof handler === "function") out.push({ method, path: routePathOf(appDir, file), handler: handler as THandler });
    }
  }
  return out.sort((a, b) => a.path.localeCompare(b.path) || a.method.localeCompare(b.method));
}

export type TProcedure = { path: string; type: "query" | "mutation" | "subscription" };

/** A tRPC router's procedures by dotted path ("settings.nodeOverride.get"), sorted. */
export function trpcProcedures(router: { _def: { procedures: Record<string, unknown> } }): TProcedure[] {
  return Object.entries(router._def.procedures)
    .map(([p, proc]) => ({ path: p, type: (proc as { _def: { type: TProcedure["type"] } })._def.type }))
    .sort((a, b) => a.path.localeCompare(b.path));
}
