// The security headers as the proxy and next.config.ts give them, checked without a server; the
// e2e spec e2e/tests/headers.spec.ts checks what a real `next start` sends.
import { unstable_doesMiddlewareMatch } from "next/experimental/testing/server";
import { NextRequest } from "next/server";
import { describe, expect, it } from "vitest";
import { securityHeaders } from "../../../next.config";
import { config, proxy } from "../../proxy";
import { SESSION_COOKIE } from "../auth/session-cookie";
import { API_CSP, pageCsp } from "./headers";

const page = (path: string, cookie?: string) =>
  new NextRequest(`http://localhost:3000${path}`, { headers: cookie ? { cookie: `${SESSION_COOKIE}=${cookie}` } : {} });

function directives(csp: string): Map<string, string[]> {
  return new Map(csp.split(";").map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name!, values]));
}

describe("page CSP", () => {
  it("allows scripts only by nonce (no inline, no eval), frames nothing, and loads only from here", () => {
    const d = directives(pageCsp("abc123", { dev: false }));
    expect(d.get("script-src")).toEqual(["'self'", "'nonce-abc123'", "'strict-dynamic'"]);
    expect(d.get("frame-ancestors")).toEqual(["'none'"]);
    expect(d.get("object-src")).toEqual(["'none'"]);
    expect(d.get("default-src")).toEqual(["'self'"]);
    expect(d.get("base-uri")).toEqual(["'self'"]);
    expect(d.get("form-action")).toEqual(["'self'"]);
  });
});

describe("proxy", () => {
  it("gives a page a CSP with a fresh nonce, hands the same policy to Next in the request, and adds the common headers", async () => {
    const a = proxy(page("/login"));
    const b = proxy(page("/login"));
    const csp = a.headers.get("content-security-policy")!;
    expect(csp).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/]{22}==' 'strict-dynamic'/);
    expect(csp).not.toBe(b.headers.get("content-security-policy"));
    expect(csp).not.toMatch(/script-src[^;]*'unsafe-inline'/);
    // NextResponse.next({request:{headers}}) carries overridden request headers this way.
    expect(a.headers.get("x-middleware-request-content-security-policy")).toBe(csp);
    expect(a.headers.get("x-content-type-options")).toBe("nosniff");
    expect(a.headers.get("referrer-policy")).toBe("strict-origin-when-cross-origin");
    expect(a.headers.get("x-frame-options")).toBe("DENY");
  });

  it("sends a visitor without a session to /login, with the same headers", () => {
    const res = proxy(page("/jobs?status=FAILED"));
    expect(res.status).toBe(307);
    expect(res.headers.get("location")).toBe("http://localhost:3000/login?next=%2Fjobs%3Fstatus%3DFAILED");
    expect(res.headers.get("content-security-policy")).toMatch(/frame-ancestors 'none'/);
    expect(proxy(page("/", "tok")).headers.get("location")).toBeNull();
    expect(proxy(page("/login")).headers.get("location")).toBeNull();
    expect(proxy(page("/jobsite")).headers.get("location")).toBeNull();
  });

  it.each([
    ["/", true],
    ["/login", true],
    ["/jobs/123", true],
    ["/no-such-page", true],
    ["/api/v1/jobs", false],
    ["/api/health", false],
    ["/metrics", false],
    ["/_next/static/chunks/main.js", false],
  ])("runs on %s: %s", (url, expected) => {
    expect(unstable_doesMiddlewareMatch({ config, url })).toBe(expected);
  });
});

describe("next.config.ts headers", () => {
  it("gives every answer the common headers and API answers a CSP that allows nothing", async () => {
    const rules = await securityHeaders();
    const of = (source: string) => new Map(rules.find((r) => r.source === source)!.headers.map((h) => [h.key, h.value]));
    for (const source of ["/:path*", "/api/:path*", "/metrics"]) {
      expect(of(source).get("X-Content-Type-Options")).toBe("nosniff");
      expect(of(source).get("Referrer-Policy")).toBe("strict-origin-when-cross-origin");
    }
    expect(of("/api/:path*").get("Content-Security-Policy")).toBe(API_CSP);
    expect(of("/metrics").get("Content-Security-Policy")).toBe(API_CSP);
    expect(API_CSP).toMatch(/default-src 'none'.*frame-ancestors 'none'/);
  });
});
