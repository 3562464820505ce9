// Creating and ending browser sessions. The token goes to the cookie; its sha256 to the database.
import type { Db } from "@headroom/db";
import { hashSecret, generateSessionToken } from "./secrets";
import { SESSION_TTL_MS } from "./session-cookie";

export async function createSession(db: Db, userId: string, now: Date = new Date()): Promise<{ token: string; expiresAt: Date }> {
  const token = generateSessionToken();
  const expiresAt = new Date(now.getTime() + SESSION_TTL_MS);
  await db.session.create({ data: { id: hashSecret(token), userId, expiresAt } });
  // Sessions are only read by id, so expired ones are dead weight; sign-in is a fine time to drop them.
  await db.session.deleteMany({ where: { userId, expiresAt: { lte: now } } });
  return { token, expiresAt };
}

export async function deleteSession(db: Db, token: string): Promise<void> {
  await db.session.deleteMany({ where: { id: hashSecret(token) } });
}
