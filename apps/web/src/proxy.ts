// Sends visitors without a session cookie to /login, remembering where they were going. Only
// an optimistic check of the cookie's presence: pages validate the session (requireUserPage)
// and every API call authenticates on its own.
import { NextResponse, type NextRequest } from "next/server";
import { SESSION_COOKIE } from "./server/auth/session-cookie";

export function proxy(request: NextRequest) {
  if (request.cookies.has(SESSION_COOKIE)) return NextResponse.next();
  const url = request.nextUrl.clone();
  const next = request.nextUrl.pathname + request.nextUrl.search;
  url.pathname = "/login";
  url.search = next === "/" ? "" : `?next=${encodeURIComponent(next)}`;
  return NextResponse.redirect(url);
}

// The signed-in pages only; APIs answer 401 themselves and /login, assets and /metrics pass.
export const config = { matcher: ["/", "/jobs/:path*", "/nodes/:path*", "/settings/:path*", "/admin/:path*"] };
