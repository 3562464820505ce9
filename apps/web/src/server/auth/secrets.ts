// Secrets that identify a caller: API keys and session tokens. Both are long random strings, so a
// fast sha256 is enough to store them (no salt or work factor needed, unlike passwords).
// Relative imports only: bootstrap.ts (loaded by plain tsx) depends on this file.
import { createHash, randomBytes } from "node:crypto";

const API_KEY_PREFIX = "hr_";
/** Characters of a key kept in the clear so a key can be recognised in the UI: "hr_" + 7. */
const SHOWN_PREFIX_CHARS = 10;

/** sha256 of a secret, lower-case hex (64 chars). */
export function hashSecret(s: string): string {
  return createHash("sha256").update(s, "utf8").digest("hex");
}

/** The part of an API key that may be shown and stored in the clear. */
export function apiKeyPrefix(key: string): string {
  return key.slice(0, SHOWN_PREFIX_CHARS);
}

/** A new API key: "hr_" + 32 random bytes in base64url. Only `hash` and `prefix` are stored. */
export function generateApiKey(): { key: string; prefix: string; hash: string } {
  const key = API_KEY_PREFIX + randomBytes(32).toString("base64url");
  return { key, prefix: apiKeyPrefix(key), hash: hashSecret(key) };
}

/** A session cookie value: 32 random bytes in base64url. The database keeps only its sha256. */
export function generateSessionToken(): string {
  return randomBytes(32).toString("base64url");
}
