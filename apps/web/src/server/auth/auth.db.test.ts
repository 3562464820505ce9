// Authentication against a real Postgres: bootstrap credentials, API keys, sessions, sign-in.
import { useTestDatabase } from "@headroom/db/testing";
import { AppError } from "@headroom/protocol";
import { describe, expect, it } from "vitest";
import { ensureBootstrapCredentials } from "./bootstrap";
import { hashPassword } from "./password";
import { API_KEY_TOUCH_INTERVAL_MS, assertRole, authenticateWith } from "./principal";
import { generateApiKey, hashSecret } from "./secrets";
import { SESSION_COOKIE } from "./session-cookie";
import { createSession, deleteSession } from "./sessions";
import { signIn } from "./sign-in";

const t = useTestDatabase();

const bearer = (key: string) => new Request("http://h/api/v1/jobs", { headers: { authorization: `Bearer ${key}` } });
const withCookie = (token: string) => new Request("http://h/", { headers: { cookie: `other=1; ${SESSION_COOKIE}=${token}` } });

let seq = 0;
async function makeUser(over: { role?: "ADMIN" | "VIEWER"; password?: string } = {}) {
  seq += 1;
  return t.db.user.create({
    data: { email: `user${seq}@example.test`, name: `User ${seq}`, role: over.role ?? "VIEWER", passwordHash: await hashPassword(over.password ?? "correct horse") },
  });
}
async function makeApiKey(over: { role?: "ADMIN" | "VIEWER"; revokedAt?: Date; name?: string } = {}) {
  const { key, prefix, hash } = generateApiKey();
  const row = await t.db.apiKey.create({ data: { name: over.name ?? "test", prefix, keyHash: hash, role: over.role ?? "VIEWER", revokedAt: over.revokedAt ?? null } });
  return { key, row };
}

describe("ensureBootstrapCredentials", () => {
  const opts = { adminEmail: "Admin@Example.test", adminPassword: "first-password", apiKey: generateApiKey().key };

  it("creates the admin and an ADMIN key named bootstrap, and is idempotent", async () => {
    await ensureBootstrapCredentials(t.db, opts);
    await ensureBootstrapCredentials(t.db, opts);
    const admins = await t.db.user.findMany({ where: { email: "admin@example.test" } });
    expect(admins).toHaveLength(1);
    expect(admins[0]!.role).toBe("ADMIN");
    expect(admins[0]!.passwordHash).toMatch(/^\$argon2id\$/);
    const keys = await t.db.apiKey.findMany({ where: { keyHash: hashSecret(opts.apiKey) } });
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatchObject({ name: "bootstrap", role: "ADMIN", prefix: opts.apiKey.slice(0, 10), createdById: admins[0]!.id });
    expect(await authenticateWith(t.db, bearer(opts.apiKey))).toMatchObject({ kind: "apiKey", role: "ADMIN" });
  });

  it("brings a changed password in line, keeping the same user", async () => {
    const before = await t.db.user.findUniqueOrThrow({ where: { email: "admin@example.test" } });
    await ensureBootstrapCredentials(t.db, { ...opts, adminPassword: "second-password" });
    const after = await t.db.user.findUniqueOrThrow({ where: { email: "admin@example.test" } });
    expect(after.id).toBe(before.id);
    expect(after.passwordHash).not.toBe(before.passwordHash);
    await expect(signIn(t.db, { email: "admin@example.test", password: "second-password" }, "10.0.0.1")).resolves.toMatchObject({ user: { id: before.id } });
  });

  it("leaves a revoked bootstrap key revoked", async () => {
    await t.db.apiKey.update({ where: { keyHash: hashSecret(opts.apiKey) }, data: { revokedAt: new Date() } });
    await ensureBootstrapCredentials(t.db, opts);
    expect(await authenticateWith(t.db, bearer(opts.apiKey))).toBeNull();
  });
});

describe("API keys", () => {
  it("authenticate with their role and name", async () => {
    const { key, row } = await makeApiKey({ role: "VIEWER", name: "ci" });
    expect(await authenticateWith(t.db, bearer(key))).toEqual({ kind: "apiKey", id: row.id, role: "VIEWER", label: "API key ci" });
  });

  it("reject unknown, revoked and malformed keys", async () => {
    const { key } = await makeApiKey({ revokedAt: new Date() });
    expect(await authenticateWith(t.db, bearer(key))).toBeNull();
    expect(await authenticateWith(t.db, bearer(generateApiKey().key))).toBeNull();
    expect(await authenticateWith(t.db, new Request("http://h/", { headers: { authorization: "Basic abc" } }))).toBeNull();
  });

  it("a bad Authorization header is not rescued by a valid session cookie", async () => {
    const user = await makeUser();
    const { token } = await createSession(t.db, user.id);
    const req = new Request("http://h/", { headers: { authorization: "Bearer nope", cookie: `${SESSION_COOKIE}=${token}` } });
    expect(await authenticateWith(t.db, req)).toBeNull();
  });

  it("record lastUsedAt at most once a minute", async () => {
    const { key, row } = await makeApiKey();
    const t0 = new Date("2030-01-01T00:00:00Z");
    await authenticateWith(t.db, bearer(key), t0);
    expect((await t.db.apiKey.findUniqueOrThrow({ where: { id: row.id } })).lastUsedAt).toEqual(t0);
    await authenticateWith(t.db, bearer(key), new Date(t0.getTime() + API_KEY_TOUCH_INTERVAL_MS - 1));
    expect((await t.db.apiKey.findUniqueOrThrow({ where: { id: row.id } })).lastUsedAt).toEqual(t0);
    const t1 = new Date(t0.getTime() + API_KEY_TOUCH_INTERVAL_MS + 1);
    await authenticateWith(t.db, bearer(key), t1);
    expect((await t.db.apiKey.findUniqueOrThrow({ where: { id: row.id } })).lastUsedAt).toEqual(t1);
  });
});

describe("sessions and sign-in", () => {
  it("sign-in makes a session whose cookie authenticates; the database holds only its hash", async () => {
    const user = await makeUser({ role: "ADMIN" });
    const { token, user: signedIn } = await signIn(t.db, { email: user.email, password: "correct horse" }, "10.0.1.1");
    expect(signedIn).toEqual({ id: user.id, email: user.email, name: user.name, role: "ADMIN" });
    expect(await t.db.session.findUnique({ where: { id: token } })).toBeNull();
    expect(await t.db.session.findUnique({ where: { id: hashSecret(token) } })).not.toBeNull();
    expect(await authenticateWith(t.db, withCookie(token))).toEqual({ kind: "user", id: user.id, role: "ADMIN", label: user.name });
  });

  it("refuses wrong passwords and unknown emails alike", async () => {
    const user = await makeUser();
    for (const input of [{ email: user.email, password: "wrong" }, { email: "nobody@example.test", password: "correct horse" }]) {
      const err = await signIn(t.db, input, "10.0.2.1").catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AppError);
      expect(err).toMatchObject({ code: "UNAUTHENTICATED", message: "Wrong email or password" });
    }
  });

  it("limits attempts per IP and email to 10 a minute", async () => {
    const user = await makeUser();
    for (let i = 0; i < 10; i++) {
      await expect(signIn(t.db, { email: user.email, password: "wrong" }, "10.0.3.1")).rejects.toMatchObject({ code: "UNAUTHENTICATED" });
    }
    await expect(signIn(t.db, { email: user.email, password: "correct horse" }, "10.0.3.1")).rejects.toMatchObject({ code: "RATE_LIMITED" });
    // Another address is not held back by this one's failures.
    await expect(signIn(t.db, { email: user.email, password: "correct horse" }, "10.0.3.2")).resolves.toBeTruthy();
  });

  it("expired and deleted sessions no longer authenticate", async () => {
    const user = await makeUser();
    const old = await createSession(t.db, user.id, new Date("2000-01-01T00:00:00Z"));
    expect(await authenticateWith(t.db, withCookie(old.token))).toBeNull();
    const live = await createSession(t.db, user.id);
    expect(await authenticateWith(t.db, withCookie(live.token))).not.toBeNull();
    await deleteSession(t.db, live.token);
    expect(await authenticateWith(t.db, withCookie(live.token))).toBeNull();
    expect(await authenticateWith(t.db, withCookie("forged"))).toBeNull();
  });
});

describe("assertRole", () => {
  it("needs a principal, and an admin where asked", () => {
    const viewer = { kind: "user", id: "u", role: "VIEWER", label: "v" } as const;
    expect(() => assertRole(null)).toThrow(expect.objectContaining({ code: "UNAUTHENTICATED" }));
    expect(assertRole(viewer)).toBe(viewer);
    expect(() => assertRole(viewer, "ADMIN")).toThrow(expect.objectContaining({ code: "FORBIDDEN" }));
    expect(assertRole({ ...viewer, role: "ADMIN" }, "ADMIN")).toMatchObject({ role: "ADMIN" });
  });
});
