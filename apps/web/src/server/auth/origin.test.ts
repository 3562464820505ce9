import { AppError } from "@headroom/protocol";
import { describe, expect, it } from "vitest";
import { checkOrigin } from "./origin";

function req(method: string, headers: Record<string, string>): Request {
  return new Request("http://internal:3000/api/v1/jobs", { method, headers });
}

function refused(r: Request): boolean {
  try {
    checkOrigin(r);
    return false;
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe("FORBIDDEN");
    return true;
  }
}

describe("checkOrigin", () => {
  const cases: Array<[string, string, Record<string, string>, boolean]> = [
    ["same origin POST", "POST", { host: "localhost:3000", origin: "http://localhost:3000" }, false],
    ["no Origin header", "POST", { host: "localhost:3000" }, false],
    ["other site", "POST", { host: "localhost:3000", origin: "http://evil.example" }, true],
    ["other port", "DELETE", { host: "localhost:3000", origin: "http://localhost:3001" }, true],
    ["https same host", "PUT", { host: "headroom.example", origin: "https://headroom.example" }, false],
    ["case-insensitive host", "POST", { host: "Headroom.Example", origin: "https://headroom.example" }, false],
    ["opaque origin", "POST", { host: "localhost:3000", origin: "null" }, true],
    ["behind a proxy", "POST", { host: "10.0.0.5:3000", "x-forwarded-host": "headroom.example", origin: "https://headroom.example" }, false],
    ["proxy, other site", "POST", { host: "10.0.0.5:3000", "x-forwarded-host": "headroom.example", origin: "https://evil.example" }, true],
    ["GET is never checked", "GET", { host: "localhost:3000", origin: "http://evil.example" }, false],
    ["HEAD is never checked", "HEAD", { host: "localhost:3000", origin: "http://evil.example" }, false],
    ["PATCH is checked", "PATCH", { host: "localhost:3000", origin: "http://evil.example" }, true],
  ];
  it.each(cases)("%s", (_name, method, headers, expectRefused) => {
    expect(refused(req(method, headers))).toBe(expectRefused);
  });
});
