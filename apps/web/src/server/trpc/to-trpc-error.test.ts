import { AppError, ERROR_CODES, type TErrorCode } from "@headroom/protocol";
import { getHTTPStatusCodeFromError } from "@trpc/server/http";
import { TRPCError } from "@trpc/server";
import { describe, expect, it } from "vitest";
import { appErrorOf, toTRPCError, TRPC_CODE_FOR } from "./to-trpc-error";

const codes = Object.keys(ERROR_CODES) as TErrorCode[];

describe("toTRPCError", () => {
  it.each(codes)("%s keeps its message and cause", (code) => {
    const app = new AppError(code, `msg ${code}`);
    const t = toTRPCError(app);
    expect(t.code).toBe(TRPC_CODE_FOR[code]);
    expect(t.message).toBe(`msg ${code}`);
    expect(t.cause).toBe(app);
  });

  // Where tRPC has the same status, the UI must see exactly what REST would answer.
  it.each(codes.filter((c) => ERROR_CODES[c] !== 507 && ERROR_CODES[c] !== 410))("%s answers the same HTTP status as REST", (code) => {
    expect(getHTTPStatusCodeFromError(toTRPCError(new AppError(code, "x")))).toBe(ERROR_CODES[code]);
  });

  it.each(["GPU_OOM", "INSUFFICIENT_STORAGE"] as const)("%s (507) becomes a 500, the nearest tRPC can say", (code) => {
    expect(getHTTPStatusCodeFromError(toTRPCError(new AppError(code, "x")))).toBe(500);
  });
});

describe("appErrorOf", () => {
  it("finds an AppError directly or as a TRPCError's cause", () => {
    const app = new AppError("NOT_FOUND", "gone");
    expect(appErrorOf(app)).toBe(app);
    expect(appErrorOf(new TRPCError({ code: "INTERNAL_SERVER_ERROR", cause: app }))).toBe(app);
    expect(appErrorOf(new Error("plain"))).toBeNull();
    expect(appErrorOf(new TRPCError({ code: "BAD_REQUEST" }))).toBeNull();
  });
});
