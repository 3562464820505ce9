import { describe, expect, it } from "vitest";
import { clearedSessionCookie, readCookie, SESSION_COOKIE, sessionCookie } from "./session-cookie";

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
