// Who is calling: a signed-in user (session cookie) or a client with an API key (Bearer).
// authenticateWith takes the database so integration tests can pass their own client.
import { Prisma, sqlRows, type Db } from "@headroom/db";
import { AppError } from "@headroom/protocol";
import { hashSecret } from "./secrets";
import { readCookie, SESSION_COOKIE } from "./session-cookie";

export type TPrincipal =
  | { kind: "user"; id: string; role: "ADMIN" | "VIEWER"; label: string }
  | { kind: "apiKey"; id: string; role: "ADMIN" | "VIEWER"; label: string };

/** lastUsedAt is written at most this often per key, in ms, to keep hot keys off the write path. */
export const API_KEY_TOUCH_INTERVAL_MS = 60_000;

/** The bearer token, or null when the request has no Authorization: Bearer header. */
export function bearerToken(req: Request): string | null {
  const header = req.headers.get("authorization");
  if (!header) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1] ?? null;
}

export async function principalForApiKey(db: Db, key: string, now: Date = new Date()): Promise<TPrincipal | null> {
  // Every API request asks this, so it is one raw statement on the pool (packages/db, raw.ts).
  const [row] = await sqlRows<{ id: string; name: string; role: "ADMIN" | "VIEWER"; revokedAt: Date | null; lastUsedAt: Date | null }>(
    db,
    Prisma.sql`SELECT id::text, name, role::text AS role, "revokedAt", "lastUsedAt" FROM "ApiKey" WHERE "keyHash" = ${hashSecret(key)}`,
  );
  if (!row || row.revokedAt !== null) return null;
  const staleBefore = new Date(now.getTime() - API_KEY_TOUCH_INTERVAL_MS);
  if (row.lastUsedAt === null || row.lastUsedAt < staleBefore) {
    // Conditional, so concurrent requests with one key write once per interval between them.
    await db.apiKey.updateMany({
      where: { id: row.id, OR: [{ lastUsedAt: null }, { lastUsedAt: { lt: staleBefore } }] },
      data: { lastUsedAt: now },
    });
  }
  return { kind: "apiKey", id: row.id, role: row.role, label: `API key ${row.name}` };
}

export async function principalForSessionToken(db: Db, token: string, now: Date = new Date()): Promise<TPrincipal | null> {
  const session = await db.session.findUnique({
    where: { id: hashSecret(token) },
    select: { expiresAt: true, user: { select: { id: true, name: true, email: true, role: true } } },
  });
  if (!session || session.expiresAt <= now) return null;
  const { user } = session;
  return { kind: "user", id: user.id, role: user.role, label: user.name || user.email };
}

/**
 * A Bearer header decides on its own: a bad key is not rescued by a cookie, so a client never
 * silently acts as whoever is signed in to the browser.
 */
export async function authenticateWith(db: Db, req: Request, now: Date = new Date()): Promise<TPrincipal | null> {
  if (req.headers.has("authorization")) {
    const key = bearerToken(req);
    return key ? principalForApiKey(db, key, now) : null;
  }
  const token = readCookie(req.headers.get("cookie"), SESSION_COOKIE);
  return token ? principalForSessionToken(db, token, now) : null;
}

/** Throws UNAUTHENTICATED without a principal, FORBIDDEN when an admin is required and it is not one. */
export function assertRole(principal: TPrincipal | null, role?: "ADMIN"): TPrincipal {
  if (!principal) throw new AppError("UNAUTHENTICATED", "Sign in or send an API key as Authorization: Bearer <key>");
  if (role === "ADMIN" && principal.role !== "ADMIN") throw new AppError("FORBIDDEN", "This needs an admin");
  return principal;
}
