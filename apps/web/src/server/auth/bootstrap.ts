// First-start credentials, run by `npm start` (plain tsx) before the web server starts, so: no
// Next-only imports and relative imports only, here and in what this imports.
// Idempotent and safe to run on every start and from several replicas at once.
import type { PrismaClient } from "@headroom/db";
import { hashPassword, verifyPassword } from "./password";
import { apiKeyPrefix, hashSecret } from "./secrets";

export const BOOTSTRAP_KEY_NAME = "bootstrap";

export async function ensureBootstrapCredentials(
  db: PrismaClient,
  opts: { adminEmail: string; adminPassword: string; apiKey: string },
): Promise<void> {
  const email = opts.adminEmail.trim().toLowerCase();
  if (!email || !opts.adminPassword || !opts.apiKey) throw new Error("ensureBootstrapCredentials: email, password and API key are required");

  // The printed credentials must work, so an existing admin's password is brought in line with
  // them; argon2 runs only when it differs, keeping restarts cheap.
  const existing = await db.user.findUnique({ where: { email }, select: { id: true, passwordHash: true, role: true } });
  let adminId: string;
  if (!existing) {
    const passwordHash = await hashPassword(opts.adminPassword);
    const created = await db.user.upsert({
      where: { email },
      create: { email, name: "Admin", passwordHash, role: "ADMIN" },
      update: {},
      select: { id: true },
    });
    adminId = created.id;
  } else {
    adminId = existing.id;
    const passwordMatches = await verifyPassword(existing.passwordHash, opts.adminPassword);
    if (!passwordMatches || existing.role !== "ADMIN") {
      await db.user.update({
        where: { id: existing.id },
        data: { role: "ADMIN", ...(passwordMatches ? {} : { passwordHash: await hashPassword(opts.adminPassword) }) },
      });
    }
  }

  // A key an admin has since revoked stays revoked: restarting must not undo a revocation.
  const keyHash = hashSecret(opts.apiKey);
  await db.apiKey.upsert({
    where: { keyHash },
    create: { name: BOOTSTRAP_KEY_NAME, prefix: apiKeyPrefix(opts.apiKey), keyHash, role: "ADMIN", createdById: adminId },
    update: {},
    select: { id: true },
  });
}
