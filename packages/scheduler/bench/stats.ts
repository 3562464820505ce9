// Small helpers shared by the scheduler benchmarks: percentiles, Markdown tables, the machine.
import { mkdir, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

/** Nearest-rank percentile of `values` (any order), p in 0..100. NaN for an empty list. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1]!;
}

export type TSummary = { n: number; mean: number; p50: number; p90: number; p99: number; max: number };

export function summarize(values: readonly number[]): TSummary {
  const n = values.length;
  const mean = n ? values.reduce((a, b) => a + b, 0) / n : Number.NaN;
  return { n, mean, p50: percentile(values, 50), p90: percentile(values, 90), p99: percentile(values, 99), max: n ? Math.max(...values) : Number.NaN };
}

/** A number for a table: enough digits to read, no more. */
export function fmt(x: number, digits?: number): string {
  if (!Number.isFinite(x)) return "–";
  if (digits === 0) return Math.round(x).toLocaleString("en-US");
  if (digits !== undefined) return x.toFixed(digits);
  const a = Math.abs(x);
  if (a >= 1000) return Math.round(x).toLocaleString("en-US");
  if (a >= 100) return x.toFixed(0);
  if (a >= 10) return x.toFixed(1);
  if (a >= 1) return x.toFixed(2);
  return x.toFixed(3);
}

export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n");
}

export function machine(postgresVersion: string): string[] {
  const cpus = os.cpus();
  return [
    `CPU: ${cpus[0]?.model ?? "unknown"} (${cpus.length} logical cores visible to Node)`,
    `Memory: ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    `OS: ${os.type()} ${os.release()} ${os.arch()}`,
    `Node: ${process.version}`,
    `Postgres: ${postgresVersion}`,
  ];
}

/** The one-line machine note a small bench ends its report with: CPU model, cores and load now. */
export function machineLine(): string {
  return `- Machine: ${os.cpus()[0]?.model} (${os.cpus().length} logical cores), load average ${os.loadavg().map((x) => x.toFixed(1)).join(" / ")}.`;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Calls `one` back to back from `clients` concurrent callers for `seconds` (a closed loop); returns each call's ms. */
export async function closedLoop(clients: number, seconds: number, one: (client: number) => Promise<void>): Promise<number[]> {
  const ms: number[] = [];
  const until = performance.now() + seconds * 1_000;
  await Promise.all(
    Array.from({ length: clients }, async (_, client) => {
      while (performance.now() < until) {
        const t0 = performance.now();
        await one(client);
        ms.push(performance.now() - t0);
      }
    }),
  );
  return ms;
}

/** One row of a closed-loop table: round, label, rate per second, p50, p99 and max ms. */
export function rateRow(round: number, label: string, ms: readonly number[], seconds: number): string[] {
  const s = summarize(ms);
  return [String(round), label, fmt(ms.length / seconds, 0), fmt(s.p50), fmt(s.p99), fmt(s.max)];
}

/** Writes a bench's reports (file name → content) into `dir`, which is made when missing (`--out`). */
export async function writeOut(dir: string, files: Record<string, string>): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const [name, content] of Object.entries(files)) await writeFile(path.join(dir, name), content);
}
