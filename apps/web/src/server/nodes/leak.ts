// Per-node leak trends from the last 24 h of cleanups and sweeps (lib/leak-trend fits them).
import type { Db } from "@headroom/db";
import { LEAK_WINDOW_MS, leakTrend, type TLeakTrend, type TTrendPoint } from "../../lib/leak-trend";

export async function leakTrendsByNode(db: Db, nowMs: number): Promise<Map<string, TLeakTrend | null>> {
  const events = await db.nodeEvent.findMany({
    where: { type: { in: ["cleanup", "sweep"] }, afterMiB: { not: null }, createdAt: { gte: new Date(nowMs - LEAK_WINDOW_MS) } },
    orderBy: { createdAt: "asc" },
    select: { nodeId: true, createdAt: true, afterMiB: true },
  });
  const byNode = new Map<string, TTrendPoint[]>();
  for (const e of events) {
    const list = byNode.get(e.nodeId) ?? [];
    list.push({ atMs: e.createdAt.getTime(), afterMiB: e.afterMiB! });
    byNode.set(e.nodeId, list);
  }
  return new Map([...byNode].map(([id, pts]) => [id, leakTrend(pts)]));
}
