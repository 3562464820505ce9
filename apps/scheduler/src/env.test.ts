import { describe, expect, it } from "vitest";
import { parseEnv } from "./env.ts";

describe("parseEnv", () => {
  it("fills the defaults", () => {
    expect(parseEnv({ DATABASE_URL: "postgres://u@localhost:5432/h" })).toEqual({ DATABASE_URL: "postgres://u@localhost:5432/h", HEADROOM_DB_PREPARED_STATEMENTS: true, HEADROOM_DB_DIRECT_QUERIES: true, HEADROOM_NODE_OFFLINE_MS: 15_000, LOG_LEVEL: "info" });
  });

  it("turns prepared statements off for a pooler that cannot carry them", () => {
    expect(parseEnv({ DATABASE_URL: "postgres://u@h/db", HEADROOM_DB_PREPARED_STATEMENTS: "false" }).HEADROOM_DB_PREPARED_STATEMENTS).toBe(false);
  });

  it("reads numbers and treats empty strings as unset", () => {
    expect(parseEnv({ DATABASE_URL: "postgres://u@h/db", HEADROOM_NODE_OFFLINE_MS: "3600000", LOG_LEVEL: "" })).toMatchObject({ HEADROOM_NODE_OFFLINE_MS: 3_600_000, LOG_LEVEL: "info" });
  });

  it.each([
    [{}, /DATABASE_URL/],
    [{ DATABASE_URL: "not a url" }, /DATABASE_URL: must be a postgres:\/\/ URL/],
    [{ DATABASE_URL: "postgres://h/db", HEADROOM_NODE_OFFLINE_MS: "-5" }, /HEADROOM_NODE_OFFLINE_MS/],
    [{ DATABASE_URL: "postgres://h/db", LOG_LEVEL: "loud" }, /LOG_LEVEL/],
    [{ DATABASE_URL: "postgres://h/db", HEADROOM_DB_PREPARED_STATEMENTS: "no" }, /HEADROOM_DB_PREPARED_STATEMENTS/],
  ])("refuses %j with a readable message", (raw, message) => {
    expect(() => parseEnv(raw)).toThrow(/^Invalid scheduler configuration:\n/);
    expect(() => parseEnv(raw)).toThrow(message);
  });
});
