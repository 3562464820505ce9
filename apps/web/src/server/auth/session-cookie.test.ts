import { describe, expect, it } from "vitest";
import { clearedSessionCookie, cookieSecureFor, readCookie, SESSION_COOKIE, sessionCookie } from "./session-cookie";

describe("sessionCookie", () => {
  it("is httpOnly, SameSite=Lax, site-wide, with Max-Age in seconds", () => {
    expect(sessionCookie("tok", 60_500, { secure: false })).toBe(`${SESSION_COOKIE}=tok; Path=/; HttpOnly; SameSite=Lax; Max-Age=60`);
  });
  it("adds Secure when asked", () => {
    expect(sessionCookie("tok", 1000, { secure: true })).toMatch(/; Secure$/);
  });
  it("clears with an empty value and Max-Age=0", () => {
    expect(clearedSessionCookie({ secure: false })).toBe(`${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0`);
  });
});

describe("readCookie", () => {
  it.each([
    [null, null],
    ["", null],
    ["a=1; headroom_session=abc-_1; b=2", "abc-_1"],
    ["headroom_session=", null],
    ["xheadroom_session=no; headroom_session=yes", "yes"],
    ["headroom_session=%E0%A4%A", null],
  ])("%j → %j", (header, expected) => {
    expect(readCookie(header, SESSION_COOKIE)).toBe(expected);
  });
});

describe("cookieSecureFor", () => {
  const req = (url: string, headers: Record<string, string> = {}) => new Request(url, { headers });
  it.each([
    ["plain http, not forced", req("http://h/api/auth/login"), false, false],
    ["forced by HEADROOM_SECURE_COOKIES", req("http://h/api/auth/login"), true, true],
    ["https request URL", req("https://h/api/auth/login"), false, true],
    ["TLS ended at the proxy", req("http://10.0.0.5:3000/api/auth/login", { "x-forwarded-proto": "https" }), false, true],
    ["first hop of a proxy chain decides", req("http://h/", { "x-forwarded-proto": "https, http" }), false, true],
    ["proxy says plain http", req("http://h/", { "x-forwarded-proto": "http" }), false, false],
  ] as const)("%s", (_name, r, forced, expected) => {
    expect(cookieSecureFor(r, forced)).toBe(expected);
  });
});
