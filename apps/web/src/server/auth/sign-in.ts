// Password sign-in: throttled per client IP + email, constant-ish time for unknown emails.
import type { Db } from "@headroom/db";
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

/** The client's address as the nearest proxy reports it; "local" when there is none. */
export function clientIp(req: Request): string {
  const forwarded = req.headers.get("x-forwarded-for")?.split(",")[0]?.trim();
  return forwarded || req.headers.get("x-real-ip")?.trim() || "local";
}

export async function signIn(db: Db, input: TSignInInput, ip: string, now: Date = new Date()): Promise<{ user: TSignedInUser; token: string; expiresAt: Date }> {
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
