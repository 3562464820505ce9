/**
 * Summary of an ORT profile (enableProfiling's Chrome-trace JSON): total kernel time per op type
 * within one model run, so the warm-up runs recorded in the same file do not count.
 *
 * On WebGPU the kernel times are host-side: a kernel that only records GPU work looks cheap and the
 * node that waits for the GPU (a copy back to the host) absorbs the rest. Read the shares with that in mind.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";

export type TProfileEvent = { cat?: string; name?: string; ts?: number; dur?: number; args?: { op_name?: string; provider?: string } };
export type TOpShare = { op: string; providers: string[]; nodes: number; totalUs: number; share: number };
export type TProfileSummary = { runUs: number; kernelUs: number; top: TOpShare[] };

/** The last `model_run` of the trace and its `_kernel_time` events grouped by op type, top `n` by time. */
export function summariseProfile(events: readonly TProfileEvent[], n = 15): TProfileSummary {
  const runs = events.filter((e) => e.cat === "Session" && e.name === "model_run" && typeof e.ts === "number");
  const run = runs.reduce<TProfileEvent | undefined>((a, e) => (!a || e.ts! > a.ts! ? e : a), undefined);
  const from = run?.ts ?? -Infinity, to = run ? run.ts! + (run.dur ?? 0) : Infinity;
  const byOp = new Map<string, { providers: Set<string>; nodes: number; totalUs: number }>();
  let kernelUs = 0;
  for (const e of events) {
    if (e.cat !== "Node" || !e.name?.endsWith("_kernel_time") || e.ts === undefined || e.ts < from || e.ts > to) continue;
    const op = e.args?.op_name ?? "?";
    const o = byOp.get(op) ?? { providers: new Set<string>(), nodes: 0, totalUs: 0 };
    o.providers.add((e.args?.provider ?? "?").replace(/ExecutionProvider$/, ""));
    o.nodes++;
    o.totalUs += e.dur ?? 0;
    kernelUs += e.dur ?? 0;
    byOp.set(op, o);
  }
  const top = [...byOp.entries()]
    .map(([op, o]) => ({ op, providers: [...o.providers].sort(), nodes: o.nodes, totalUs: o.totalUs, share: kernelUs > 0 ? o.totalUs / kernelUs : 0 }))
    .sort((a, b) => b.totalUs - a.totalUs || a.op.localeCompare(b.op))
    .slice(0, n);
  return { runUs: run?.dur ?? NaN, kernelUs, top };
}

/** The newest profile file ORT wrote for a prefix (it appends a timestamp and .json). */
export function profileFileFor(prefix: string): string | undefined {
  const dir = path.dirname(prefix), base = path.basename(prefix);
  const hits = readdirSync(dir).filter((f) => f.startsWith(`${base}_`) && f.endsWith(".json")).sort();
  return hits.length ? path.join(dir, hits[hits.length - 1]!) : undefined;
}

export const readProfile = (file: string): TProfileEvent[] => JSON.parse(readFileSync(file, "utf8")) as TProfileEvent[];

export function profileTable(s: TProfileSummary): string {
  const ms = (us: number) => (us / 1000).toFixed(2);
  return [
    `model_run ${ms(s.runUs)} ms, kernel time ${ms(s.kernelUs)} ms`,
    "",
    "| op type | providers | nodes | total ms | share |",
    "|---|---|---:|---:|---:|",
    ...s.top.map((o) => `| ${o.op} | ${o.providers.join(", ")} | ${o.nodes} | ${ms(o.totalUs)} | ${(o.share * 100).toFixed(1)} % |`),
  ].join("\n");
}
