import { describe, expect, it } from "vitest";
import { apiKeyPrefix, generateApiKey, generateSessionToken, hashSecret } from "./secrets";

describe("hashSecret", () => {
  it("is sha256 hex", () => {
    expect(hashSecret("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    expect(hashSecret("")).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  });
});

describe("generateApiKey", () => {
  it("makes an hr_ key of 32 random bytes in base64url, with its prefix and hash", () => {
    const { key, prefix, hash } = generateApiKey();
    expect(key).toMatch(/^hr_[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(key.slice(3), "base64url")).toHaveLength(32);
    expect(prefix).toBe(key.slice(0, 10));
    expect(apiKeyPrefix(key)).toBe(prefix);
    expect(hash).toBe(hashSecret(key));
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it("never repeats", () => {
    const keys = new Set(Array.from({ length: 200 }, () => generateApiKey().key));
    expect(keys.size).toBe(200);
  });
});

describe("generateSessionToken", () => {
  it("is 32 random bytes in base64url", () => {
    const t = generateSessionToken();
    expect(Buffer.from(t, "base64url")).toHaveLength(32);
    expect(t).not.toBe(generateSessionToken());
  });
});
