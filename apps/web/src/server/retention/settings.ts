// Reading and changing the retention settings. Like the thresholds (../settings/service.ts): every
// change is validated whole, bumps a version, and writes one audit row in the same transaction; a
// change that changes nothing writes nothing. Relative imports only, so integration tests load it as is.
import type { Db, Prisma, PrismaClient } from "@headroom/db";
import { AppError, DEFAULT_RETENTION, retentionIssues, type TRetention } from "@headroom/protocol";
import { z } from "zod";
import { RETENTION_KEYS, RETENTION_SCOPE, type TRetentionKey } from "./fields";

/** Some retention settings; unknown fields are refused so a typo is not silently ignored. */
export const ZRetentionPatchSchema = z.strictObject({
  rawSampleHours: z.number().finite().optional(),
  rollupRetentionDays: z.number().finite().optional(),
  /** null = keep files and results. */
  fileRetentionDays: z.number().finite().nullable().optional(),
});
export type TRetentionPatch = z.infer<typeof ZRetentionPatchSchema>;

export const ZRetentionSettingsSchema = z.object({
  rawSampleHours: z.number().int(),
  rollupRetentionDays: z.number().int(),
  fileRetentionDays: z.number().int().nullable(),
  version: z.number().int(),
});
export type TRetentionSettings = z.infer<typeof ZRetentionSettingsSchema>;

export type TRetentionChange = { field: TRetentionKey; from: number | null; to: number | null };

const SELECT = { version: true, rawSampleHours: true, rollupRetentionDays: true, fileRetentionDays: true } as const;

function pick(row: TRetention): TRetention {
  return { rawSampleHours: row.rawSampleHours, rollupRetentionDays: row.rollupRetentionDays, fileRetentionDays: row.fileRetentionDays };
}

/** The settings in force and their version; the defaults (version 1) before anything was stored. */
export async function getRetention(db: Db): Promise<TRetentionSettings> {
  const row = await db.retentionSettings.findUnique({ where: { id: 1 }, select: SELECT });
  return row ? { ...pick(row), version: row.version } : { ...DEFAULT_RETENTION, version: 1 };
}

/**
 * Writers queue on the one row, so two admins never both read the same "from". Prisma can say
 * neither FOR UPDATE nor an insert that quietly loses a race, hence raw SQL (as lockSettings does).
 */
async function lockRetention(tx: Prisma.TransactionClient): Promise<void> {
  await tx.$executeRaw`INSERT INTO "RetentionSettings" ("id", "updatedAt") VALUES (1, now()) ON CONFLICT ("id") DO NOTHING`;
  await tx.$queryRaw`SELECT id FROM "RetentionSettings" WHERE id = 1 FOR UPDATE`;
}

export async function updateRetention(
  db: PrismaClient,
  patch: TRetentionPatch,
  actor: { label: string; id: string | null },
  opts: { expectedVersion?: number } = {},
): Promise<TRetentionSettings & { changes: TRetentionChange[] }> {
  return db.$transaction(async (tx) => {
    await lockRetention(tx);
    const row = await tx.retentionSettings.findUniqueOrThrow({ where: { id: 1 }, select: SELECT });
    if (opts.expectedVersion !== undefined && opts.expectedVersion !== row.version) {
      throw new AppError("CONFLICT", `Retention settings changed since you loaded them (now version ${row.version}); reload and try again`);
    }
    const current = pick(row);
    const mentioned = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) as Partial<TRetention>;
    const next: TRetention = { ...current, ...mentioned };
    const issues = retentionIssues(next);
    if (issues.length > 0) throw new AppError("INVALID_INPUT", issues.join("; "));
    const changes: TRetentionChange[] = RETENTION_KEYS.filter((k) => current[k] !== next[k]).map((field) => ({ field, from: current[field], to: next[field] }));
    if (changes.length === 0) return { ...current, version: row.version, changes };

    const updated = await tx.retentionSettings.update({ where: { id: 1 }, data: { ...next, version: { increment: 1 } }, select: SELECT });
    await tx.settingsAudit.create({ data: { scope: RETENTION_SCOPE, actorLabel: actor.label, actorId: actor.id, changes } });
    return { ...pick(updated), version: updated.version, changes };
  });
}
