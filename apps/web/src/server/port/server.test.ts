// What a bare port reads from a client's Accept-Encoding before it gzips an answer.
import { describe, expect, it } from "vitest";
import { acceptsGzip } from "./server";

describe("acceptsGzip", () => {
  it.each([
    ["gzip, deflate, br", true],
    ["br;q=1.0, GZIP;q=0.5", true],
    ["*", true],
    ["gzip;q=0", false],
    ["gzip; q=0.0, identity", false],
    ["deflate, br", false],
    ["identity", false],
    [undefined, false],
    ["", false],
  ] as const)("%s → %s", (header, expected) => {
    expect(acceptsGzip(header)).toBe(expected);
  });
});
