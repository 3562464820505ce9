// The skeleton's behaviour without a database: procedures' guards, AppError translation, and the
// error shape the browser receives.
import { AppError } from "@headroom/protocol";
import { TRPCError } from "@trpc/server";
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import type { TPrincipal } from "../auth/principal";
import { adminProcedure, authedProcedure, createTRPCContext, createTRPCRouter, publicProcedure } from "./trpc";
import { rejection } from "../test-support";

const router = createTRPCRouter({
  whoami: authedProcedure.output(z.string()).query(({ ctx }) => ctx.principal.label),
  adminOnly: adminProcedure.output(z.literal("ok")).query(() => "ok" as const),
  missing: publicProcedure.input(z.object({ id: z.string().uuid() })).query(({ input }) => {
    throw new AppError("NOT_FOUND", `No job ${input.id}`);
  }),
  broken: publicProcedure.query(() => {
    throw new Error("connection string postgres://secret@db leaked");
  }),
  touch: authedProcedure.mutation(() => "touched"),
  dbDown: publicProcedure.query(() => {
    throw Object.assign(new Error("Can't reach database server at 127.0.0.1:5432"), { code: "P1001" });
  }),
});

const viewer: TPrincipal = { kind: "user", id: "u1", role: "VIEWER", label: "Vera" };
const admin: TPrincipal = { kind: "apiKey", id: "k1", role: "ADMIN", label: "API key ci" };

function caller(principal: TPrincipal | null, headers: Record<string, string> = {}, method = "GET") {
  const req = new Request("http://localhost:3000/api/trpc", { method, headers: { host: "localhost:3000", ...headers } });
  return router.createCaller(createTRPCContext({ req, principal }));
}

const codeOf = async (p: Promise<unknown>): Promise<string> => (await rejection(p, TRPCError)).code;

describe("procedures", () => {
  it("authed needs a principal", async () => {
    expect(await codeOf(caller(null).whoami())).toBe("UNAUTHORIZED");
    expect(await caller(viewer).whoami()).toBe("Vera");
  });

  it("admin needs the ADMIN role", async () => {
    expect(await codeOf(caller(viewer).adminOnly())).toBe("FORBIDDEN");
    expect(await caller(admin).adminOnly()).toBe("ok");
  });

  it("AppError becomes the matching tRPC code, keeping the AppError as cause", async () => {
    const err = await caller(null).missing({ id: "00000000-0000-4000-8000-000000000000" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TRPCError);
    expect((err as TRPCError).code).toBe("NOT_FOUND");
    expect((err as TRPCError).cause).toBeInstanceOf(AppError);
  });

  it("cookie-authenticated mutations must come from our own origin; API keys need not", async () => {
    expect(await codeOf(caller(viewer, { origin: "http://evil.example" }, "POST").touch())).toBe("FORBIDDEN");
    expect(await caller(viewer, { origin: "http://localhost:3000" }, "POST").touch()).toBe("touched");
    expect(await caller(admin, { origin: "http://evil.example" }, "POST").touch()).toBe("touched");
  });
});

describe("error shape over HTTP", () => {
  async function get(path: string, principal: TPrincipal | null = null) {
    const req = new Request(`http://localhost:3000/api/trpc/${path}`);
    const res = await fetchRequestHandler({ endpoint: "/api/trpc", req, router, createContext: () => createTRPCContext({ req, principal }) });
    return { status: res.status, body: (await res.json()) as { error: { message: string; data: Record<string, unknown> } } };
  }
  const input = (v: unknown) => `?input=${encodeURIComponent(JSON.stringify(v))}`;

  it("names the AppError code and keeps its message and status", async () => {
    const { status, body } = await get(`missing${input({ id: "00000000-0000-4000-8000-000000000000" })}`);
    expect(status).toBe(404);
    expect(body.error.message).toBe("No job 00000000-0000-4000-8000-000000000000");
    expect(body.error.data).toMatchObject({ code: "NOT_FOUND", httpStatus: 404, appCode: "NOT_FOUND" });
    expect(body.error.data).not.toHaveProperty("stack");
  });

  it("reports bad input as INVALID_INPUT with a readable message", async () => {
    const { status, body } = await get(`missing${input({ id: "nope" })}`);
    expect(status).toBe(400);
    expect(body.error.data.appCode).toBe("INVALID_INPUT");
    expect(body.error.message).toMatch(/^id: /);
  });

  it("hides unexpected errors' details", async () => {
    const { status, body } = await get("broken");
    expect(status).toBe(500);
    expect(body.error.message).toBe("Internal error");
    expect(JSON.stringify(body)).not.toContain("secret");
    expect(body.error.data.appCode).toBe("INTERNAL");
  });

  it("a database that cannot be reached is 503 UNAVAILABLE, not a hidden 500", async () => {
    const { status, body } = await get("dbDown");
    expect(status).toBe(503);
    expect(body.error.data.appCode).toBe("UNAVAILABLE");
    expect(body.error.message).toMatch(/database cannot be reached/);
  });

  it("401 for signed-out callers", async () => {
    const { status, body } = await get("whoami");
    expect(status).toBe(401);
    expect(body.error.data.appCode).toBe("UNAUTHENTICATED");
  });
});
