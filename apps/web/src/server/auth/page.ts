// Server components' view of the signed-in user, from the session cookie via next/headers.
import { cookies } from "next/headers";
import { redirect } from "next/navigation";
import { cache } from "react";
import { db } from "../db";
import { principalForSessionToken, type TPrincipal } from "./principal";
import { SESSION_COOKIE } from "./session-cookie";

/** The signed-in user, or null. Cached per request, so layout and page share one lookup. */
export const getPageUser = cache(async (): Promise<TPrincipal | null> => {
  const token = (await cookies()).get(SESSION_COOKIE)?.value;
  return token ? principalForSessionToken(db(), token) : null;
});

/** The signed-in user; anyone else is sent to /login (with `next` to come back to). */
export async function requireUserPage(next?: string): Promise<TPrincipal> {
  const user = await getPageUser();
  if (!user) redirect(next && next !== "/" ? `/login?next=${encodeURIComponent(next)}` : "/login");
  return user;
}
