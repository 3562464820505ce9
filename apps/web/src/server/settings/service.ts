// Reading and changing thresholds: fleet defaults and per-node overrides. Every change is
// validated as the agents will see it (the effective set), bumps a version so agents and the UI
// can tell it was applied, and writes one audit row, all in one transaction. A change that
// changes nothing writes nothing. Relative imports only, so integration tests load it as is.
import type { Db, Prisma, PrismaClient } from "@headroom/db";
import { AppError, DEFAULT_THRESHOLDS, isUuid, type TThresholds } from "@headroom/protocol";
import { effectiveThresholds, settingsVersion } from "@headroom/policy";
import { THRESHOLD_KEYS, type TThresholdKey } from "./fields";
import type { TActor, TAuditEntry, TAuditListInput, TFleetSettings, TFleetSettingsPatch, TNodeOverride, TNodeOverridePatch, TNodeSettings } from "./settings.types";
import { ZSettingsChangeSchema } from "./settings.types";
import { assertValidThresholds, diffValues, thresholdIssues, type TThresholdChange } from "./validate";

export const FLEET_SCOPE = "fleet";

const THRESHOLD_SELECT = Object.fromEntries(THRESHOLD_KEYS.map((k) => [k, true])) as Record<TThresholdKey, true>;

type TOverrideRow = { [K in TThresholdKey]: number | null };

function pickThresholds(row: TThresholds): TThresholds {
  return Object.fromEntries(THRESHOLD_KEYS.map((k) => [k, row[k]])) as TThresholds;
}

function pickOverride(row: TOverrideRow | null): TNodeOverride {
  return Object.fromEntries(THRESHOLD_KEYS.map((k) => [k, row?.[k] ?? null])) as TNodeOverride;
}

/** Only the fields a patch mentions (undefined = leave alone; null, for overrides, = clear). */
function mentioned<T extends object>(patch: T): Partial<T> {
  return Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function changedFields(changes: TThresholdChange[]): Partial<Record<TThresholdKey, number | null>> {
  return Object.fromEntries(changes.map((c) => [c.field, c.to]));
}

/**
 * Settings writes are rare, so they all queue on the fleet row: a fleet change is then checked
 * against overrides nobody is changing at that moment, and two admins never both read the same
 * "from". Prisma can say neither FOR UPDATE nor an insert that quietly loses a race (its upsert
 * fails with a unique violation when two transactions create the row at once), hence raw SQL.
 */
async function lockSettings(tx: Prisma.TransactionClient): Promise<void> {
  await tx.$executeRaw`INSERT INTO "FleetSettings" ("id", "updatedAt") VALUES (1, now()) ON CONFLICT ("id") DO NOTHING`;
  await tx.$queryRaw`SELECT id FROM "FleetSettings" WHERE id = 1 FOR UPDATE`;
}

function checkVersion(what: string, expected: number | undefined, actual: number): void {
  if (expected !== undefined && expected !== actual) {
    throw new AppError("CONFLICT", `${what} changed since you loaded them (now version ${actual}); reload and try again`);
  }
}

/** The fleet's thresholds and version; the defaults (version 1) before anything was stored. */
export async function getFleetSettings(db: Db): Promise<TFleetSettings> {
  const row = await db.fleetSettings.findUnique({ where: { id: 1 }, select: { version: true, ...THRESHOLD_SELECT } });
  return row ? { thresholds: pickThresholds(row), version: row.version } : { thresholds: { ...DEFAULT_THRESHOLDS }, version: 1 };
}

export async function updateFleetSettings(
  db: PrismaClient,
  patch: TFleetSettingsPatch,
  actor: TActor,
  opts: { expectedVersion?: number } = {},
): Promise<TFleetSettings & { changes: TThresholdChange[] }> {
  return db.$transaction(async (tx) => {
    await lockSettings(tx);
    const row = await tx.fleetSettings.findUniqueOrThrow({ where: { id: 1 }, select: { version: true, ...THRESHOLD_SELECT } });
    checkVersion("Fleet settings", opts.expectedVersion, row.version);
    const current = pickThresholds(row);
    const next: TThresholds = { ...current, ...mentioned(patch) };
    assertValidThresholds(next);
    const changes = diffValues(current, next);
    if (changes.length === 0) return { thresholds: current, version: row.version, changes };

    // A node's overrides were checked against the old fleet values; they must still make sense.
    const overrides = await tx.nodeSettingsOverride.findMany({ select: { ...THRESHOLD_SELECT, node: { select: { name: true } } }, orderBy: { nodeId: "asc" } });
    for (const o of overrides) {
      if (thresholdIssues(effectiveThresholds(next, o)).length > 0) {
        assertValidThresholds(effectiveThresholds(next, o), `With node ${o.node.name}'s overrides`);
      }
    }

    const updated = await tx.fleetSettings.update({
      where: { id: 1 },
      data: { ...(changedFields(changes) as Partial<TThresholds>), version: { increment: 1 } },
      select: { version: true, ...THRESHOLD_SELECT },
    });
    await tx.settingsAudit.create({ data: { scope: FLEET_SCOPE, actorLabel: actor.label, actorId: actor.id, changes } });
    return { thresholds: pickThresholds(updated), version: updated.version, changes };
  });
}

async function loadNode(db: Db, nodeId: string) {
  if (!isUuid(nodeId)) throw new AppError("NOT_FOUND", `No node ${nodeId}`);
  const node = await db.node.findUnique({
    where: { id: nodeId },
    select: { id: true, name: true, settingsOverride: { select: { version: true, ...THRESHOLD_SELECT } } },
  });
  if (!node) throw new AppError("NOT_FOUND", `No node ${nodeId}`);
  return node;
}

function nodeSettingsView(node: { id: string; name: string }, fleet: TFleetSettings, override: TNodeOverride, overrideVersion: number | null): TNodeSettings {
  return {
    nodeId: node.id,
    nodeName: node.name,
    override,
    effective: effectiveThresholds(fleet.thresholds, override),
    version: overrideVersion ?? 0,
    fleetVersion: fleet.version,
    settingsVersion: settingsVersion(fleet.version, overrideVersion),
  };
}

/** A node's override fields, the thresholds in force there, and the versions. NOT_FOUND for an unknown node. */
export async function getNodeSettings(db: Db, nodeId: string): Promise<TNodeSettings> {
  const [node, fleet] = await Promise.all([loadNode(db, nodeId), getFleetSettings(db)]);
  return nodeSettingsView(node, fleet, pickOverride(node.settingsOverride), node.settingsOverride?.version ?? null);
}

export async function updateNodeOverride(
  db: PrismaClient,
  nodeId: string,
  patch: TNodeOverridePatch,
  actor: TActor,
  opts: { expectedVersion?: number } = {},
): Promise<TNodeSettings & { changes: TThresholdChange[] }> {
  return db.$transaction(async (tx) => {
    await lockSettings(tx);
    const node = await loadNode(tx, nodeId);
    const fleet = await getFleetSettings(tx);
    const stored = node.settingsOverride;
    checkVersion(`Settings of ${node.name}`, opts.expectedVersion, stored?.version ?? 0);
    const current = pickOverride(stored);
    const next: TNodeOverride = { ...current, ...mentioned(patch) };
    assertValidThresholds(effectiveThresholds(fleet.thresholds, next), `On node ${node.name}`);
    const changes = diffValues(current, next);
    if (changes.length === 0) return { ...nodeSettingsView(node, fleet, current, stored?.version ?? null), changes };

    // The row is kept when every field is cleared: its version must keep counting up, or an
    // agent's old report could match a new version.
    const data = changedFields(changes);
    const saved = await tx.nodeSettingsOverride.upsert({
      where: { nodeId },
      create: { nodeId, ...data },
      update: { ...data, version: { increment: 1 } },
      select: { version: true, ...THRESHOLD_SELECT },
    });
    await tx.settingsAudit.create({ data: { scope: nodeId, actorLabel: actor.label, actorId: actor.id, changes } });
    return { ...nodeSettingsView(node, fleet, pickOverride(saved), saved.version), changes };
  });
}

/** Newest first; node scopes carry the node's current name. */
export async function listSettingsAudit(db: Db, input: TAuditListInput): Promise<TAuditEntry[]> {
  const rows = await db.settingsAudit.findMany({
    where: input.scope ? { scope: input.scope } : {},
    orderBy: { id: "desc" },
    take: input.limit,
    select: { id: true, scope: true, actorLabel: true, actorId: true, changes: true, createdAt: true },
  });
  const nodeIds = [...new Set(rows.map((r) => r.scope).filter(isUuid))];
  const nodes = nodeIds.length ? await db.node.findMany({ where: { id: { in: nodeIds } }, select: { id: true, name: true } }) : [];
  const names = new Map(nodes.map((n) => [n.id, n.name]));
  return rows.map((r) => {
    const changes = ZSettingsChangeSchema.array().safeParse(r.changes);
    return {
      id: r.id.toString(),
      scope: r.scope,
      nodeName: names.get(r.scope) ?? null,
      actorLabel: r.actorLabel,
      actorId: r.actorId,
      changes: changes.success ? changes.data : [],
      createdAt: r.createdAt.toISOString(),
    };
  });
}
