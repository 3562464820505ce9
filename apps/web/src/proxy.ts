// Every page passes here: it gets a Content-Security-Policy with a per-request nonce (Next reads
// the nonce from the request's CSP header and puts it on its own scripts) and the common security
// headers. Visitors of the signed-in pages without a session cookie go to /login, remembering
// where they were going. Only an optimistic check of the cookie's presence: pages validate the
// session (requireUserPage) and every API call authenticates on its own.
import { NextResponse, type NextRequest } from "next/server";
import { COMMON_SECURITY_HEADERS, newNonce, pageCsp } from "./server/security/headers";
import { SESSION_COOKIE } from "./server/auth/session-cookie";

const SIGNED_IN_PAGES = /^\/(?:$|jobs(?:\/|$)|nodes(?:\/|$)|settings(?:\/|$)|admin(?:\/|$))/;

function secure(res: NextResponse, csp: string): NextResponse {
  res.headers.set("Content-Security-Policy", csp);
  for (const [name, value] of Object.entries(COMMON_SECURITY_HEADERS)) res.headers.set(name, value);
  return res;
}

export function proxy(request: NextRequest) {
  const csp = pageCsp(newNonce(), { dev: process.env.NODE_ENV === "development" });
  if (SIGNED_IN_PAGES.test(request.nextUrl.pathname) && !request.cookies.has(SESSION_COOKIE)) {
    const url = request.nextUrl.clone();
    const next = request.nextUrl.pathname + request.nextUrl.search;
    url.pathname = "/login";
    url.search = next === "/" ? "" : `?next=${encodeURIComponent(next)}`;
    return secure(NextResponse.redirect(url), csp);
  }
  const headers = new Headers(request.headers);
  headers.set("Content-Security-Policy", csp);
  return secure(NextResponse.next({ request: { headers } }), csp);
}

// Pages only: API routes and /metrics get their headers from next.config.ts, and static assets
// (hashed, immutable) need no per-request policy. Prefetches are skipped like Next's own example.
export const config = {
  matcher: [
    {
      source: "/((?!api/|metrics|_next/static|_next/image|icon.svg|favicon.ico).*)",
      missing: [
        { type: "header", key: "next-router-prefetch" },
        { type: "header", key: "purpose", value: "prefetch" },
      ],
    },
  ],
};
