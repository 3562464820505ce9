// Authentication for route handlers and tRPC. Pages use ./page (next/headers); `npm start` uses
// ./bootstrap (plain tsx).
import { db } from "../db";
import { authenticateWith, assertRole, type TPrincipal } from "./principal";

export type { TPrincipal } from "./principal";
export { checkOrigin } from "./origin";
export { hashSecret, generateApiKey, apiKeyPrefix } from "./secrets";

/** The caller from `Authorization: Bearer <api key>`, else from the session cookie; null when neither is valid. */
export async function authenticate(req: Request): Promise<TPrincipal | null> {
  return authenticateWith(db(), req);
}

/** The caller, or AppError UNAUTHENTICATED; with role "ADMIN", AppError FORBIDDEN for viewers. */
export async function requirePrincipal(req: Request, role?: "ADMIN"): Promise<TPrincipal> {
  return assertRole(await authenticate(req), role);
}
