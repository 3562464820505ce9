// Prometheus metrics, read from the database at scrape time so every control-plane replica reports
// the same fleet state. Gauges are reset and refilled per scrape; nothing accumulates in memory.
import type { Db } from "@headroom/db";
import { Gauge, Registry } from "prom-client";
import { listNodes } from "../nodes/list-nodes";

export async function renderMetrics(db: Db, opts: { nowMs: number; offlineAfterMs: number }): Promise<{ body: string; contentType: string }> {
  const registry = new Registry();
  const labels = ["node", "kind"] as const;
  const used = new Gauge({ name: "headroom_node_memory_used_mib", help: "Device memory in use (GPU, or host budget on a CPU node)", labelNames: labels, registers: [registry] });
  const total = new Gauge({ name: "headroom_node_memory_total_mib", help: "Device memory in total", labelNames: labels, registers: [registry] });
  const runner = new Gauge({ name: "headroom_node_runner_mib", help: "The model runner process's own memory", labelNames: labels, registers: [registry] });
  const up = new Gauge({ name: "headroom_node_online", help: "1 when the node heartbeats, 0 when offline", labelNames: labels, registers: [registry] });
  const inFlight = new Gauge({ name: "headroom_node_jobs_in_flight", help: "Jobs placed on or running on the node", labelNames: labels, registers: [registry] });
  const alert = new Gauge({ name: "headroom_node_memory_alert", help: "1 when usage is above the node's alert threshold", labelNames: labels, registers: [registry] });
  const leak = new Gauge({
    name: "headroom_node_leak_mib_per_hour",
    help: "Trend of memory right after cleanups and sweeps over the last 24 h, MiB per hour (absent below 3 cleanups)",
    labelNames: labels, registers: [registry],
  });
  const jobs = new Gauge({ name: "headroom_jobs", help: "Jobs by status", labelNames: ["status"] as const, registers: [registry] });

  const [{ nodes }, byStatus] = await Promise.all([listNodes(db, opts), db.job.groupBy({ by: ["status"], _count: { _all: true } })]);
  for (const n of nodes) {
    const l = { node: n.name, kind: n.kind };
    used.set(l, n.memory.usedMiB);
    total.set(l, n.memory.totalMiB);
    if (n.memory.processMiB !== null) runner.set(l, n.memory.processMiB);
    up.set(l, n.state === "offline" ? 0 : 1);
    inFlight.set(l, n.jobsInFlight);
    alert.set(l, n.alerts.memory ? 1 : 0);
    if (n.alerts.leak) leak.set(l, n.alerts.leak.mibPerHour);
  }
  for (const s of ["QUEUED", "PLACED", "RUNNING", "SUCCEEDED", "FAILED", "CANCELED"]) {
    jobs.set({ status: s }, byStatus.find((b) => b.status === s)?._count._all ?? 0);
  }
  return { body: await registry.metrics(), contentType: registry.contentType };
}
