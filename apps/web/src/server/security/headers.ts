// Security headers for every answer. Pure: no Next imports, so next.config.ts, the proxy and tests
// share one definition.
//
// Pages get a Content-Security-Policy with a fresh nonce per request: Next puts that nonce on its
// own scripts when it finds it in the request's CSP header, so no inline script runs without it and
// 'strict-dynamic' lets those scripts load the chunks they import. Styles keep 'unsafe-inline':
// React style attributes (charts, gauges) need it, and a style cannot run code.
// API answers are data, never documents: they get a CSP that allows nothing at all.

/** Headers on every answer, pages and API alike. */
export const COMMON_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "strict-origin-when-cross-origin",
  // For browsers that predate CSP's frame-ancestors.
  "X-Frame-Options": "DENY",
  "Cross-Origin-Opener-Policy": "same-origin",
  "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
};

/** API routes and /metrics: nothing may load, run or frame. */
export const API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/** A page's policy for one request's nonce. `dev`: Next's development build evaluates code (React refresh). */
export function pageCsp(nonce: string, opts: { dev: boolean }): string {
  const script = [`'self'`, `'nonce-${nonce}'`, `'strict-dynamic'`, ...(opts.dev ? ["'unsafe-eval'"] : [])];
  return [
    "default-src 'self'",
    `script-src ${script.join(" ")}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    `connect-src 'self'${opts.dev ? " ws:" : ""}`,
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}

/** A nonce: 16 random bytes in base64 (CSP wants base64, and at least 128 bits). */
export function newNonce(): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return btoa(String.fromCharCode(...bytes));
}
