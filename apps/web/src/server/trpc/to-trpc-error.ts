// AppError → tRPC, decided once. The HTTP status tRPC answers with follows from these codes, so
// the UI sees the same status a REST client would (except the 507s, GPU_OOM and INSUFFICIENT_STORAGE, which tRPC cannot say).
import { AppError, type TErrorCode } from "@headroom/protocol";
import { TRPCError } from "@trpc/server";

type TTrpcCode = TRPCError["code"];

export const TRPC_CODE_FOR: Readonly<Record<TErrorCode, TTrpcCode>> = {
  INVALID_INPUT: "BAD_REQUEST",
  UNSUPPORTED_MEDIA_TYPE: "UNSUPPORTED_MEDIA_TYPE",
  FILE_TOO_LARGE: "PAYLOAD_TOO_LARGE",
  TOO_MANY_PIXELS: "PAYLOAD_TOO_LARGE",
  TOO_MANY_PAGES: "PAYLOAD_TOO_LARGE",
  EMPTY_FILE: "BAD_REQUEST",
  DECOMPRESSION_BOMB: "PAYLOAD_TOO_LARGE",
  ACTIVE_CONTENT: "UNSUPPORTED_MEDIA_TYPE",
  ENCRYPTED_PDF: "BAD_REQUEST",
  DECODE_TIMEOUT: "UNPROCESSABLE_CONTENT",
  TOO_MANY_FILES: "PAYLOAD_TOO_LARGE",
  INVALID_FILE_NAME: "BAD_REQUEST",
  UNAUTHENTICATED: "UNAUTHORIZED",
  FORBIDDEN: "FORBIDDEN",
  NOT_FOUND: "NOT_FOUND",
  CONFLICT: "CONFLICT",
  // tRPC has no 410; the code itself still says FILE_EXPIRED.
  FILE_EXPIRED: "NOT_FOUND",
  RATE_LIMITED: "TOO_MANY_REQUESTS",
  QUEUE_FULL: "SERVICE_UNAVAILABLE",
  UPLOAD_TIMEOUT: "TIMEOUT",
  INSUFFICIENT_STORAGE: "INTERNAL_SERVER_ERROR",
  UNAVAILABLE: "SERVICE_UNAVAILABLE",
  LEASE_LOST: "CONFLICT",
  NO_HEADROOM: "SERVICE_UNAVAILABLE",
  GPU_OOM: "INTERNAL_SERVER_ERROR",
  RUNNER_CRASHED: "INTERNAL_SERVER_ERROR",
  TIMEOUT: "GATEWAY_TIMEOUT",
  INTERNAL: "INTERNAL_SERVER_ERROR",
};

/** The TRPCError for an AppError, keeping the AppError as cause so the formatter can name its code. */
export function toTRPCError(err: AppError): TRPCError {
  return new TRPCError({ code: TRPC_CODE_FOR[err.code], message: err.message, cause: err });
}

/** The AppError behind a tRPC error, if any (tRPC wraps thrown errors as `cause`). */
export function appErrorOf(err: unknown): AppError | null {
  if (err instanceof AppError) return err;
  if (err instanceof TRPCError && err.cause instanceof AppError) return err.cause;
  return null;
}
