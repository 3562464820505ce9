// Peak-memory models per OCR model and execution provider, fitted on recent finished jobs (a job
// counts under its node's model and provider). Refitted at most every
// REFIT_MS: history changes slowly, and the scheduler ticks several times a second.
import type { Db } from "@headroom/db";
import { fitPeakModel, megapixelsOf, predictionKey, type TPeakModel } from "@headroom/policy";

const HISTORY_JOBS = 2_000;
const REFIT_MS = 30_000;

export async function loadPeakModels(db: Db): Promise<Map<string, TPeakModel>> {
  const rows = await db.job.findMany({
    where: { status: "SUCCEEDED", observedPeakMiB: { not: null }, memBeforeMiB: { not: null }, node: { provider: { not: null } } },
    orderBy: { finishedAt: "desc" },
    take: HISTORY_JOBS,
    select: { observedPeakMiB: true, memBeforeMiB: true, widthPx: true, heightPx: true, pages: true, node: { select: { provider: true, model: true } } },
  });
  const byKey = new Map<string, { megapixels: number; deltaMiB: number }[]>();
  for (const r of rows) {
    const key = predictionKey(r.node?.model, r.node?.provider);
    if (!key) continue;
    const list = byKey.get(key) ?? [];
    list.push({ megapixels: megapixelsOf(r), deltaMiB: Math.max(0, r.observedPeakMiB! - r.memBeforeMiB!) });
    byKey.set(key, list);
  }
  const models = new Map<string, TPeakModel>();
  for (const [key, obs] of byKey) {
    const m = fitPeakModel(obs);
    if (m) models.set(key, m);
  }
  return models;
}

export class PeakModelCache {
  private models: Map<string, TPeakModel> = new Map();
  private fittedAt = -Infinity;

  async get(db: Db, nowMs = Date.now()): Promise<Map<string, TPeakModel>> {
    if (nowMs - this.fittedAt >= REFIT_MS) {
      this.models = await loadPeakModels(db);
      this.fittedAt = nowMs;
    }
    return this.models;
  }
}
