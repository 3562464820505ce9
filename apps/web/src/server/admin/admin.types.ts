// Shapes of the admin API (users and API keys), shared by tRPC procedures and the UI.
import { z } from "zod";

export const ZRoleSchema = z.enum(["ADMIN", "VIEWER"]);
export type TRole = z.infer<typeof ZRoleSchema>;

export const ZUserViewSchema = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string(),
  role: ZRoleSchema,
  createdAt: z.string(),
});
export type TUserView = z.infer<typeof ZUserViewSchema>;

export const ZCreateUserInputSchema = z.object({
  email: z.string().trim().toLowerCase().email("Enter a valid email address").max(320),
  name: z.string().trim().min(1, "Enter a name").max(200),
  /** The initial password; stored only as an argon2id hash. */
  password: z.string().min(8, "Use at least 8 characters").max(1024),
  role: ZRoleSchema,
});
export type TCreateUserInput = z.infer<typeof ZCreateUserInputSchema>;

export const ZChangeRoleInputSchema = z.object({ id: z.string().uuid(), role: ZRoleSchema });
export const ZUserIdInputSchema = z.object({ id: z.string().uuid() });

export const ZApiKeyViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  /** The first characters of the key, so it can be recognised; the rest is never stored. */
  prefix: z.string(),
  role: ZRoleSchema,
  createdAt: z.string(),
  createdBy: z.string().nullable(),
  lastUsedAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
});
export type TApiKeyView = z.infer<typeof ZApiKeyViewSchema>;

export const ZCreateApiKeyInputSchema = z.object({
  name: z.string().trim().min(1, "Enter a name").max(100),
  role: ZRoleSchema,
});
export type TCreateApiKeyInput = z.infer<typeof ZCreateApiKeyInputSchema>;

/** The whole key appears here once, and nowhere else ever again. */
export const ZCreatedApiKeySchema = z.object({ key: z.string(), apiKey: ZApiKeyViewSchema });
export type TCreatedApiKey = z.infer<typeof ZCreatedApiKeySchema>;

export const ZApiKeyIdInputSchema = z.object({ id: z.string().uuid() });
