// Against a real Postgres: users and API keys as admins manage them, and the last-admin rule.
import { useTestDatabase } from "@headroom/db/testing";
import { AppError } from "@headroom/protocol";
import { beforeEach, describe, expect, it } from "vitest";
import { verifyPassword } from "../auth/password";
import { principalForApiKey } from "../auth/principal";
import { createApiKey, listApiKeys, revokeApiKey } from "./api-keys";
import { changeUserRole, createUser, deleteUser, listUsers } from "./users";
import { rejection } from "../test-support";

const t = useTestDatabase();

beforeEach(async () => {
  await t.db.apiKey.deleteMany();
  await t.db.user.deleteMany();
});

const user = (email: string, role: "ADMIN" | "VIEWER" = "VIEWER") => createUser(t.db, { email, name: email.split("@")[0]!, password: "long enough password", role });

const refusal = (p: Promise<unknown>) => rejection(p, AppError);

describe("users", () => {
  it("creates a user with an argon2 hash of the initial password and lists users", async () => {
    const ada = await user("ada@example.com", "ADMIN");
    expect(ada).toMatchObject({ email: "ada@example.com", role: "ADMIN" });
    const row = await t.db.user.findUniqueOrThrow({ where: { id: ada.id } });
    expect(row.passwordHash).toMatch(/^\$argon2id\$/);
    expect(await verifyPassword(row.passwordHash, "long enough password")).toBe(true);
    await user("vic@example.com");
    expect((await listUsers(t.db)).map((u) => [u.email, u.role])).toEqual([["ada@example.com", "ADMIN"], ["vic@example.com", "VIEWER"]]);
  });

  it("refuses a second user with the same email", async () => {
    await user("ada@example.com");
    expect((await refusal(user("ada@example.com"))).code).toBe("CONFLICT");
  });

  it("changes roles but never demotes the last admin", async () => {
    const ada = await user("ada@example.com", "ADMIN");
    const vic = await user("vic@example.com");
    const err = await refusal(changeUserRole(t.db, ada.id, "VIEWER"));
    expect(err).toMatchObject({ code: "CONFLICT", message: "ada@example.com is the last admin; make someone else an admin first" });
    expect((await changeUserRole(t.db, vic.id, "ADMIN")).role).toBe("ADMIN");
    expect((await changeUserRole(t.db, ada.id, "VIEWER")).role).toBe("VIEWER");
  });

  it("lets only one of two admins demoting each other at once succeed", async () => {
    const a = await user("a@example.com", "ADMIN");
    const b = await user("b@example.com", "ADMIN");
    const results = await Promise.allSettled([changeUserRole(t.db, a.id, "VIEWER"), changeUserRole(t.db, b.id, "VIEWER")]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect(await t.db.user.count({ where: { role: "ADMIN" } })).toBe(1);
  });

  it("removes users, but not yourself and not the last admin", async () => {
    const ada = await user("ada@example.com", "ADMIN");
    const vic = await user("vic@example.com");
    expect((await refusal(deleteUser(t.db, ada.id, ada.id))).code).toBe("CONFLICT");
    expect((await refusal(deleteUser(t.db, ada.id, vic.id))).message).toBe("ada@example.com is the last admin and cannot be removed");
    await deleteUser(t.db, vic.id, ada.id);
    expect(await t.db.user.count()).toBe(1);
  });

  it("answers NOT_FOUND for an unknown user", async () => {
    await user("ada@example.com", "ADMIN");
    expect((await refusal(changeUserRole(t.db, "00000000-0000-4000-8000-000000000000", "ADMIN"))).code).toBe("NOT_FOUND");
  });
});

describe("API keys", () => {
  it("creates a working key shown once, lists it by prefix, and revokes it for good", async () => {
    const ada = await user("ada@example.com", "ADMIN");
    const { key, apiKey } = await createApiKey(t.db, { name: "ci", role: "VIEWER" }, ada.id);
    expect(key.startsWith(apiKey.prefix)).toBe(true);
    expect(apiKey).toMatchObject({ name: "ci", role: "VIEWER", createdBy: "ada", revokedAt: null, lastUsedAt: null });
    expect(await t.db.apiKey.count({ where: { keyHash: key } })).toBe(0);
    expect(await principalForApiKey(t.db, key)).toMatchObject({ kind: "apiKey", role: "VIEWER", label: "API key ci" });

    const listed = await listApiKeys(t.db);
    expect(listed).toHaveLength(1);
    expect(JSON.stringify(listed)).not.toContain(key);
    expect(listed[0]!.lastUsedAt).not.toBeNull();

    const revoked = await revokeApiKey(t.db, apiKey.id);
    expect(revoked.revokedAt).not.toBeNull();
    expect(await principalForApiKey(t.db, key)).toBeNull();
    expect((await revokeApiKey(t.db, apiKey.id, new Date(0))).revokedAt).toBe(revoked.revokedAt);
  });

  it("lists live keys before revoked ones", async () => {
    const old = await createApiKey(t.db, { name: "old", role: "ADMIN" }, null);
    await createApiKey(t.db, { name: "new", role: "VIEWER" }, null);
    await revokeApiKey(t.db, old.apiKey.id);
    await createApiKey(t.db, { name: "newest", role: "VIEWER" }, null);
    expect((await listApiKeys(t.db)).map((k) => k.name)).toEqual(["newest", "new", "old"]);
  });

  it("answers NOT_FOUND when revoking an unknown key", async () => {
    expect((await refusal(revokeApiKey(t.db, "00000000-0000-4000-8000-000000000000"))).code).toBe("NOT_FOUND");
  });
});
