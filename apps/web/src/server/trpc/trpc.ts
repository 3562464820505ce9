// The tRPC skeleton: context, error formatter, and the public / authed / admin procedures.
// Procedures throw AppError like the REST routes; one middleware turns it into the matching
// tRPC code (./to-trpc-error) and the formatter tells the client which AppError code it was.
import { randomUUID } from "node:crypto";
import { initTRPC } from "@trpc/server";
import { z } from "zod";
import { checkOrigin } from "../auth/origin";
import { assertRole, type TPrincipal } from "../auth/principal";
import { databaseUnavailable } from "../http";
import { appErrorOf, toTRPCError, TRPC_CODE_FOR } from "./to-trpc-error";

/** The caller is authenticated by the route handler (auth's `authenticate`), so this file needs no database. */
export function createTRPCContext(opts: { req: Request; principal: TPrincipal | null }) {
  return {
    req: opts.req,
    requestId: opts.req.headers.get("x-request-id") ?? randomUUID(),
    principal: opts.principal,
  };
}
export type TTRPCContext = ReturnType<typeof createTRPCContext>;

const t = initTRPC.context<TTRPCContext>().create({
  errorFormatter({ shape, error }) {
    const app = appErrorOf(error);
    const invalidInput = error.code === "BAD_REQUEST" && error.cause instanceof z.ZodError;
    // Unexpected failures keep their details in the server log, not in the browser.
    const hidden = !app && error.code === "INTERNAL_SERVER_ERROR";
    const message = invalidInput
      ? (error.cause as z.ZodError).issues.map((i) => `${i.path.join(".") || "input"}: ${i.message}`).join("; ")
      : hidden
        ? "Internal error"
        : shape.message;
    const { stack: _stack, ...data } = shape.data;
    return { ...shape, message, data: { ...data, appCode: app?.code ?? (invalidInput ? "INVALID_INPUT" : hidden ? "INTERNAL" : null) } };
  },
});

export const createTRPCRouter = t.router;
export const createCallerFactory = t.createCallerFactory;

const appErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok) {
    const app = appErrorOf(result.error) ?? databaseUnavailable(result.error.cause);
    if (app && (result.error.code !== TRPC_CODE_FOR[app.code] || result.error.cause !== app)) throw toTRPCError(app);
  }
  return result;
});

/** Anyone, signed in or not. */
export const publicProcedure = t.procedure.use(appErrors);

/** A signed-in user or an API key. Cookie-authenticated mutations must come from our own origin. */
export const authedProcedure = publicProcedure.use(({ ctx, type, next }) => {
  const principal = assertRole(ctx.principal);
  if (type === "mutation" && principal.kind === "user") checkOrigin(ctx.req);
  return next({ ctx: { principal } });
});

/** Admins only (may change thresholds, drain nodes and manage keys). */
export const adminProcedure = authedProcedure.use(({ ctx, next }) => {
  assertRole(ctx.principal, "ADMIN");
  return next();
});
