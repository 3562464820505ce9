// Whether an error means "the database cannot be reached right now" (down, restarting, failing over,
// out of connections) rather than "this request is wrong": the first is answered 503 with
// Retry-After, so clients and agents try again instead of giving up on a 500.

/** Prisma's codes for a server that cannot be reached, timed out, closed the connection, or a pool that gave none. */
const PRISMA_CODES = new Set(["P1001", "P1002", "P1008", "P1017", "P2024"]);
/** Postgres SQLSTATEs for a server shutting down or starting up, too many connections, and connection failures. */
const PG_CODES = new Set(["57P01", "57P02", "57P03", "53300", "08000", "08001", "08003", "08004", "08006"]);
/** Socket errors of a connection that could not be made or was cut. */
const NET_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "EHOSTUNREACH"]);
/** The pg driver adapter's kinds for the same cases (Prisma's `meta.driverAdapterError.cause.kind`). */
const ADAPTER_KINDS = new Set(["DatabaseNotReachable", "ConnectionClosed", "SocketTimeout", "TooManyConnections"]);

type TErrorLike = { code?: unknown; cause?: unknown; kind?: unknown; originalCode?: unknown; meta?: { driverAdapterError?: unknown } };

export function isDatabaseUnavailable(err: unknown): boolean {
  const seen = new Set<unknown>();
  const queue: unknown[] = [err];
  while (queue.length > 0) {
    const e = queue.shift() as TErrorLike | null | undefined;
    if (!e || typeof e !== "object" || seen.has(e) || seen.size > 8) continue;
    seen.add(e);
    const code = typeof e.code === "string" ? e.code : null;
    if (code && (PRISMA_CODES.has(code) || PG_CODES.has(code) || NET_CODES.has(code))) return true;
    if (typeof e.originalCode === "string" && PG_CODES.has(e.originalCode)) return true;
    if (typeof e.kind === "string" && ADAPTER_KINDS.has(e.kind)) return true;
    queue.push(e.cause, e.meta?.driverAdapterError);
  }
  return false;
}
