// API keys for clients. The key is shown once, at creation; only its sha256 and a short prefix
// are stored. Revoking is immediate (every request looks the key up) and permanent.
import type { Db } from "@headroom/db";
import { AppError } from "@headroom/protocol";
import { generateApiKey } from "../auth/secrets";
import type { TApiKeyView, TCreateApiKeyInput, TCreatedApiKey } from "./admin.types";

const KEY_SELECT = {
  id: true, name: true, prefix: true, role: true, createdAt: true, lastUsedAt: true, revokedAt: true,
  createdBy: { select: { name: true, email: true } },
} as const;

type TKeyRow = {
  id: string; name: string; prefix: string; role: "ADMIN" | "VIEWER"; createdAt: Date; lastUsedAt: Date | null; revokedAt: Date | null;
  createdBy: { name: string; email: string } | null;
};

function view(k: TKeyRow): TApiKeyView {
  return {
    id: k.id,
    name: k.name,
    prefix: k.prefix,
    role: k.role,
    createdAt: k.createdAt.toISOString(),
    createdBy: k.createdBy ? k.createdBy.name || k.createdBy.email : null,
    lastUsedAt: k.lastUsedAt?.toISOString() ?? null,
    revokedAt: k.revokedAt?.toISOString() ?? null,
  };
}

/** Live keys first, newest first within each group. */
export async function listApiKeys(db: Db): Promise<TApiKeyView[]> {
  const rows = await db.apiKey.findMany({ orderBy: [{ createdAt: "desc" }], select: KEY_SELECT });
  return rows.map(view).sort((a, b) => Number(a.revokedAt !== null) - Number(b.revokedAt !== null));
}

/** createdById: the signed-in user making it; null when another API key does. */
export async function createApiKey(db: Db, input: TCreateApiKeyInput, createdById: string | null): Promise<TCreatedApiKey> {
  const { key, prefix, hash } = generateApiKey();
  const row = await db.apiKey.create({ data: { name: input.name, role: input.role, prefix, keyHash: hash, createdById }, select: KEY_SELECT });
  return { key, apiKey: view(row) };
}

/** Revoking twice is fine and keeps the first time. */
export async function revokeApiKey(db: Db, id: string, now: Date = new Date()): Promise<TApiKeyView> {
  await db.apiKey.updateMany({ where: { id, revokedAt: null }, data: { revokedAt: now } });
  const row = await db.apiKey.findUnique({ where: { id }, select: KEY_SELECT });
  if (!row) throw new AppError("NOT_FOUND", `No API key ${id}`);
  return view(row);
}
