// CSRF defence for cookie-authenticated mutations. Browsers send Origin on every cross-origin
// POST/PUT/PATCH/DELETE (and on same-origin ones from fetch/XHR), so a mismatch with the host
// the request was addressed to means another site is driving the user's browser.
// Bearer-key requests need no check: a browser never attaches an Authorization header by itself.
import { AppError } from "@headroom/protocol";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/** The host (and port) the client addressed: the proxy's X-Forwarded-Host when present, else Host. */
export function requestHost(req: Request): string | null {
  const forwarded = req.headers.get("x-forwarded-host")?.split(",")[0]?.trim();
  return forwarded || req.headers.get("host") || null;
}

/** Throws FORBIDDEN when a mutation carries an Origin that differs from the request's host. */
export function checkOrigin(req: Request): void {
  if (SAFE_METHODS.has(req.method.toUpperCase())) return;
  const origin = req.headers.get("origin");
  if (origin === null) return;
  const host = requestHost(req);
  let originHost: string;
  try {
    // "null" (sandboxed frames, some redirects) fails to parse and is refused like any mismatch.
    originHost = new URL(origin).host;
  } catch {
    throw new AppError("FORBIDDEN", "Cross-origin request refused");
  }
  if (host === null || originHost.toLowerCase() !== host.toLowerCase()) {
    throw new AppError("FORBIDDEN", "Cross-origin request refused");
  }
}
