// The browser's session cookie: an opaque random token. The database stores only its sha256
// (Session.id), so a database leak yields no usable sessions.

export const SESSION_COOKIE = "headroom_session";
/** How long a session lasts from sign-in, in ms (7 days). */
export const SESSION_TTL_MS = 7 * 24 * 60 * 60 * 1000;

type TCookieOptions = { secure: boolean };

/** Set-Cookie value for a new session: httpOnly, SameSite=Lax, whole site, Max-Age in seconds. */
export function sessionCookie(token: string, maxAgeMs: number, opts: TCookieOptions): string {
  const parts = [`${SESSION_COOKIE}=${token}`, "Path=/", "HttpOnly", "SameSite=Lax", `Max-Age=${Math.floor(maxAgeMs / 1000)}`];
  if (opts.secure) parts.push("Secure");
  return parts.join("; ");
}

/**
 * Whether the session cookie gets `Secure`: when HEADROOM_SECURE_COOKIES forces it, or when the
 * browser reached us over TLS: the request URL is https, or the proxy in front says so in
 * X-Forwarded-Proto (its first hop). A client that claims https falsely only makes its own cookie
 * stricter, so the header needs no trust here.
 */
export function cookieSecureFor(req: Request, forced: boolean): boolean {
  if (forced) return true;
  const proto = req.headers.get("x-forwarded-proto")?.split(",")[0]?.trim().toLowerCase();
  if (proto) return proto === "https";
  return new URL(req.url).protocol === "https:";
}

/** Set-Cookie value that removes the session cookie. */
export function clearedSessionCookie(opts: TCookieOptions): string {
  return sessionCookie("", 0, opts);
}

/** One cookie's value from a Cookie header, or null. */
export function readCookie(header: string | null, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq === -1) continue;
    if (part.slice(0, eq).trim() !== name) continue;
    const value = part.slice(eq + 1).trim();
    try {
      return value ? decodeURIComponent(value) : null;
    } catch {
      return null;
    }
  }
  return null;
}
