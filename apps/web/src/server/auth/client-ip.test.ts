// The sign-in throttle's client address: X-Forwarded-For counts only as far as trusted proxies wrote it.
import { describe, expect, it } from "vitest";
import { clientIp, UNKNOWN_CLIENT } from "./sign-in";

const from = (headers: Record<string, string>) => new Request("http://localhost/api/auth/login", { method: "POST", headers });

describe("clientIp", () => {
  it("with no trusted proxy ignores X-Forwarded-For and X-Real-IP: a made-up address buys no bucket of its own", () => {
    expect(clientIp(from({ "x-forwarded-for": "203.0.113.7" }), 0)).toBe(UNKNOWN_CLIENT);
    expect(clientIp(from({ "x-real-ip": "203.0.113.7" }), 0)).toBe(UNKNOWN_CLIENT);
    expect(clientIp(from({}), 0)).toBe(UNKNOWN_CLIENT);
  });

  it("behind one proxy takes the address it appended, not what the client wrote before it", () => {
    expect(clientIp(from({ "x-forwarded-for": "198.51.100.4" }), 1)).toBe("198.51.100.4");
    expect(clientIp(from({ "x-forwarded-for": "1.2.3.4, 5.6.7.8, 198.51.100.4" }), 1)).toBe("198.51.100.4");
  });

  it("behind two proxies takes the outer one's entry, and none when the request skipped a proxy", () => {
    expect(clientIp(from({ "x-forwarded-for": "1.2.3.4, 198.51.100.4, 10.0.0.2" }), 2)).toBe("198.51.100.4");
    expect(clientIp(from({ "x-forwarded-for": "10.0.0.2" }), 2)).toBe(UNKNOWN_CLIENT);
    expect(clientIp(from({ "x-real-ip": "198.51.100.4" }), 2)).toBe(UNKNOWN_CLIENT);
  });
});
