// POST /api/auth/login: {email, password} as JSON (the sign-in page, tests) or as a plain HTML
// form (no JavaScript). JSON gets 200 {user} or {error:{code,message}}; a form gets 303 redirects.
import { randomUUID } from "node:crypto";
import { AppError } from "@headroom/protocol";
import { z } from "zod";
import { checkOrigin } from "@/server/auth/origin";
import { cookieSecureFor, sessionCookie } from "@/server/auth/session-cookie";
import { clientIp, signIn, ZSignInInputSchema } from "@/server/auth/sign-in";
import { db } from "@/server/db";
import { env } from "@/env";
import { errorResponse } from "@/server/http";
import { logger } from "@/server/logger";
import { safeNextPath } from "@/lib/safe-next";

export const dynamic = "force-dynamic";

function isForm(req: Request): boolean {
  const type = req.headers.get("content-type") ?? "";
  return type.startsWith("application/x-www-form-urlencoded") || type.startsWith("multipart/form-data");
}

async function readBody(req: Request): Promise<{ raw: unknown; next: string }> {
  if (isForm(req)) {
    const form = await req.formData();
    return { raw: { email: form.get("email"), password: form.get("password") }, next: safeNextPath(form.get("next")) };
  }
  try {
    return { raw: await req.json(), next: "/" };
  } catch {
    throw new AppError("INVALID_INPUT", "Body must be JSON or a form");
  }
}

export async function POST(req: Request): Promise<Response> {
  const requestId = req.headers.get("x-request-id") ?? randomUUID();
  const form = isForm(req);
  let next = "/";
  try {
    checkOrigin(req);
    const body = await readBody(req);
    next = body.next;
    const raw = body.raw;
    const input = ZSignInInputSchema.parse(raw);
    const { user, token, expiresAt } = await signIn(db(), input, clientIp(req, env().HEADROOM_TRUSTED_PROXIES));
    const cookie = sessionCookie(token, Math.round((expiresAt.getTime() - Date.now()) / 1000) * 1000, { secure: cookieSecureFor(req, env().HEADROOM_SECURE_COOKIES) });
    logger().info({ requestId, userId: user.id }, "signed in");
    if (form) return new Response(null, { status: 303, headers: { location: next, "set-cookie": cookie } });
    return Response.json({ user }, { headers: { "set-cookie": cookie, "cache-control": "no-store" } });
  } catch (err) {
    if (err instanceof AppError && err.code !== "INTERNAL") logger().info({ requestId, code: err.code }, "sign-in refused");
    if (form) {
      const code = err instanceof AppError ? err.code : err instanceof z.ZodError ? "INVALID_INPUT" : "INTERNAL";
      if (code === "INTERNAL") logger().error({ err, requestId }, "sign-in failed");
      const back = new URLSearchParams({ error: code });
      if (next !== "/") back.set("next", next);
      return new Response(null, { status: 303, headers: { location: `/login?${back}` } });
    }
    return errorResponse(err, requestId);
  }
}
