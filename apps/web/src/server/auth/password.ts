// Password hashing: argon2id with @node-rs/argon2's defaults (19 MiB memory, 2 passes, 1 lane),
// which are OWASP's recommended minimum. Relative imports only: bootstrap.ts uses this from tsx.
import { hash, verify } from "@node-rs/argon2";

export function hashPassword(password: string): Promise<string> {
  return hash(password);
}

/** False for a wrong password and for a malformed stored hash alike. */
export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}

// Verified against when the email is unknown, so a miss costs as much time as a wrong password
// and response time does not reveal which emails have accounts.
let dummyHash: Promise<string> | undefined;
export async function burnPasswordCheck(password: string): Promise<void> {
  dummyHash ??= hash("headroom-timing-equaliser");
  await verifyPassword(await dummyHash, password);
}
