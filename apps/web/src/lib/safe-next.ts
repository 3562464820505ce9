/**
 * A post-sign-in destination that stays on this site: a path starting with one "/" (not "//",
 * not "/\", which browsers treat as another host). Anything else becomes "/".
 */
export function safeNextPath(next: unknown): string {
  if (typeof next !== "string" || !next.startsWith("/") || next.startsWith("//") || next.startsWith("/\\")) return "/";
  if (/[\u0000-\u001f]/.test(next)) return "/";
  return next;
}
