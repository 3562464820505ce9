// POST /api/auth/logout: ends the session. The nav's form gets 303 → /login; JSON callers get 200.
import { randomUUID } from "node:crypto";
import { checkOrigin } from "@/server/auth/origin";
import { clearedSessionCookie, cookieSecureFor, readCookie, SESSION_COOKIE } from "@/server/auth/session-cookie";
import { deleteSession } from "@/server/auth/sessions";
import { db } from "@/server/db";
import { env } from "@/env";
import { errorResponse } from "@/server/http";

export const dynamic = "force-dynamic";

export async function POST(req: Request): Promise<Response> {
  const requestId = req.headers.get("x-request-id") ?? randomUUID();
  try {
    checkOrigin(req);
    const token = readCookie(req.headers.get("cookie"), SESSION_COOKIE);
    if (token) await deleteSession(db(), token);
    const cookie = clearedSessionCookie({ secure: cookieSecureFor(req, env().HEADROOM_SECURE_COOKIES) });
    if ((req.headers.get("accept") ?? "").includes("application/json")) {
      return Response.json({ ok: true }, { headers: { "set-cookie": cookie } });
    }
    return new Response(null, { status: 303, headers: { location: "/login", "set-cookie": cookie } });
  } catch (err) {
    return errorResponse(err, requestId);
  }
}
