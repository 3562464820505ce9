// First start makes the admin password, an admin API key and the agents' enrolment token, and keeps
// them in <data dir>/credentials.json (mode 0600) so later starts print and use the same ones.
// HEADROOM_ADMIN_PASSWORD and HEADROOM_API_KEY, when set, win over the saved values.
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";

const ZCredentialsSchema = z.object({
  adminEmail: z.string(),
  adminPassword: z.string(),
  apiKey: z.string(),
  enrollToken: z.string(),
});
export type TCredentials = z.infer<typeof ZCredentialsSchema>;

export async function loadOrCreateCredentials(
  dataDir: string,
  given: { adminEmail: string; adminPassword?: string; apiKey?: string },
): Promise<{ credentials: TCredentials; file: string; created: boolean }> {
  const file = path.join(dataDir, "credentials.json");
  const saved = existsSync(file) ? ZCredentialsSchema.parse(JSON.parse(await readFile(file, "utf8"))) : null;
  const credentials: TCredentials = {
    adminEmail: given.adminEmail,
    adminPassword: given.adminPassword ?? saved?.adminPassword ?? randomBytes(12).toString("base64url"),
    apiKey: given.apiKey ?? saved?.apiKey ?? `hr_${randomBytes(32).toString("base64url")}`,
    enrollToken: saved?.enrollToken ?? `he_${randomBytes(32).toString("base64url")}`,
  };
  await mkdir(dataDir, { recursive: true });
  await writeFile(file, JSON.stringify(credentials, null, 2) + "\n", { mode: 0o600 });
  return { credentials, file, created: saved === null };
}
