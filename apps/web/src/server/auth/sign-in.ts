// Password sign-in: throttled per client IP + email, constant-ish time for unknown emails.
import type { PrismaClient } from "@headroom/db";
import { AppError } from "@headroom/protocol";
import { z } from "zod";
import { RetryLaterError } from "../http";
import { burnPasswordCheck, verifyPassword } from "./password";
import { PgTokenBucketLimiter } from "./rate-limit";
import { createSession } from "./sessions";

export const ZSignInInputSchema = z.object({
  email: z.string().trim().toLowerCase().min(3).max(320),
  password: z.string().min(1).max(1024),
});
export type TSignInInput = z.infer<typeof ZSignInInputSchema>;

export const ZSignedInUserSchema = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string(),
  role: z.enum(["ADMIN", "VIEWER"]),
});
export type TSignedInUser = z.infer<typeof ZSignedInUserSchema>;

/** 10 attempts per IP + email per minute, refilling continuously; held in Postgres, shared by every replica. */
export const signInLimiter = new PgTokenBucketLimiter("sign-in", { capacity: 10, refillMs: 60_000 });

/** The throttle's address when no trusted proxy names one: every such attempt at an email shares a bucket. */
export const UNKNOWN_CLIENT = "direct";

/**
 * The client's address for the sign-in throttle. Anyone can send X-Forwarded-For, so only the entries
 * that the `trustedProxies` proxies in front of us appended count: the address the outermost of them
 * saw is that many entries from the right (leftward entries are the client's own words). With no
 * trusted proxy, or a request that did not pass through all of them, the throttle keys on the email
 * alone, so making up a new address per attempt buys no extra guesses.
 */
export function clientIp(req: Request, trustedProxies: number): string {
  if (trustedProxies === 0) return UNKNOWN_CLIENT;
  // X-Real-IP is not read: a proxy that does not set it passes the client's own through.
  const hops = (req.headers.get("x-forwarded-for") ?? "").split(",").map((h) => h.trim());
  return (hops.length >= trustedProxies && hops[hops.length - trustedProxies]) || UNKNOWN_CLIENT;
}

export async function signIn(db: PrismaClient, input: TSignInInput, ip: string, now: Date = new Date()): Promise<{ user: TSignedInUser; token: string; expiresAt: Date }> {
  const bucketKey = `${ip}|${input.email}`;
  const decision = await signInLimiter.take(db, bucketKey, now);
  if (!decision.ok) {
    throw new RetryLaterError("RATE_LIMITED", `Too many sign-in attempts; try again in ${Math.ceil(decision.retryAfterMs / 1000)} s`, decision.retryAfterMs);
  }
  const user = await db.user.findUnique({
    where: { email: input.email },
    select: { id: true, email: true, name: true, role: true, passwordHash: true },
  });
  if (!user) {
    await burnPasswordCheck(input.password);
    throw new AppError("UNAUTHENTICATED", "Wrong email or password");
  }
  if (!(await verifyPassword(user.passwordHash, input.password))) {
    throw new AppError("UNAUTHENTICATED", "Wrong email or password");
  }
  await signInLimiter.reset(db, bucketKey);
  const { token, expiresAt } = await createSession(db, user.id, now);
  return { user: { id: user.id, email: user.email, name: user.name, role: user.role }, token, expiresAt };
}
