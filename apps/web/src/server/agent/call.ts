// One agent request, as both of its edges hand it over: Next's route files (a WHATWG Request) and the
// agent port (node:http, which builds no Request or Response). An agent action reads its headers, its
// JSON body and its [id], and answers with a JSON object, or null for "nothing" (204). Building a
// Request, reading its body stream, and a Response and its stream twice over cost a replica about
// 0.22 ms a request warm, a quarter of an idle heartbeat's CPU (docs/scaling.md, "A shorter path per
// request"); the port skips all of it.
import type { z } from "zod";
import { requestJson, route } from "../http";

export type TAgentCall = {
  /** A request header (name in lower case), or null. */
  header(name: string): string | null;
  /** The body parsed as JSON; INVALID_INPUT when it is not JSON. */
  json(): Promise<unknown>;
  /** The path's [id]: "" on routes without one. */
  params: { id: string };
  /** Aborted when the agent hangs up (a claim's long-poll stops waiting). */
  signal: AbortSignal;
};

/** What a JSON agent route does: its answer (200), or null for 204. Errors are thrown (http.ts maps them). */
export type TAgentAction = (call: TAgentCall) => Promise<object | null>;

/** The body checked against the route's schema; a bad field is INVALID_INPUT, like bad JSON. */
export async function callBody<T>(call: TAgentCall, schema: z.ZodType<T>): Promise<T> {
  return schema.parse(await call.json());
}

/** An action as a Next route handler (app/api/agent/v1/…/route.ts). */
export function agentRoute(action: TAgentAction) {
  return route<{ params?: Promise<{ id?: string }> }>(async (req, ctx) => {
    const id = (await ctx.params)?.id ?? "";
    const out = await action({
      header: (name) => req.headers.get(name),
      json: () => requestJson(req),
      params: { id },
      signal: req.signal,
    });
    return out === null ? new Response(null, { status: 204 }) : Response.json(out);
  });
}
